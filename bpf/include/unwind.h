/* Shared between bpf/unwind.bpf.c and src/collectors/cpu/kernel-unwind.ts: the in-kernel table
 * unwinder's map layouts and the record it emits per sample. The TypeScript encoder and decoder
 * are checked against this file by src/collectors/cpu/kernel-unwind.test.ts, which compiles it
 * with the host compiler; a change here that is not mirrored there fails the tests. */
#ifndef FLUORO_UNWIND_H
#define FLUORO_UNWIND_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define UNWIND_MAX_FRAMES 256              /* user frames walked per sample (as src/unwind/native.ts) */
#define UNWIND_MAX_KERNEL_FRAMES 127
#define UNWIND_MAX_TARGETS 1024
#define UNWIND_MAX_MAPPINGS 256            /* executable file mappings per process */
#define UNWIND_MAPPING_SEARCH_STEPS 9      /* ceil(log2(UNWIND_MAX_MAPPINGS)) + 1 */
#define UNWIND_ROWS_PER_CHUNK 512          /* rows per element of the rows array map */
#define UNWIND_ROW_SEARCH_STEPS 25         /* rows per file < 2^24 */
#define UNWIND_MAX_FILES 4096
#define UNWIND_MAX_RULES 65536

/* unwind_rule.cfa_kind: how to find the canonical frame address. */
#define UNWIND_CFA_NONE 0                  /* no CFI covers the pc: the walk stops (no-cfi) */
#define UNWIND_CFA_REG 1                   /* CFA = reg + cfa_offset (rsp/rbp; any GPR in the leaf) */
#define UNWIND_CFA_PLT 2                   /* rsp + cfa_offset + ((rip & 15) >= cfa_reg ? 8 : 0) */
#define UNWIND_CFA_DEREF 3                 /* CFA = *(reg + cfa_offset) */
#define UNWIND_CFA_SIGNAL 4                /* rt_sigframe: registers in the ucontext at rsp */
#define UNWIND_CFA_UNSUPPORTED 5           /* a rule the kernel walker does not evaluate */

/* unwind_rule.rbp_kind */
#define UNWIND_RBP_SAME 0
#define UNWIND_RBP_AT_CFA 1                /* rbp = *(CFA + rbp_offset) */
#define UNWIND_RBP_UNKNOWN 2

/* unwind_rule.ra_kind */
#define UNWIND_RA_AT_CFA 0                 /* return address = *(CFA + ra_offset) */
#define UNWIND_RA_UNDEFINED 1              /* the outermost frame */
#define UNWIND_RA_UNSUPPORTED 2

/* unwind_sample.end: why the walk stopped (names as in src/unwind/native.ts). */
#define UNWIND_END_ROOT 0
#define UNWIND_END_NO_MODULE 1
#define UNWIND_END_NO_CFI 2
#define UNWIND_END_STACK_TRUNCATED 3       /* a read of the user stack failed */
#define UNWIND_END_BAD_CFA 4
#define UNWIND_END_UNSUPPORTED_RULE 5
#define UNWIND_END_MAX_DEPTH 6

/* A user pc whose bit 63 is set is exact (the leaf, or code a signal interrupted); the others
 * are return addresses. */
#define UNWIND_PC_EXACT (1ULL << 63)

#define UNWIND_FLAG_KERNEL_MODE 1

/* Index into the per-CPU counters array: runs of the program, then reasons, as in cpu.h (the
 * first four mean the same there). Why a walk ended is in each record (unwind_sample.end); the
 * ends that mean something could not be read or kept at the sample are counted here too, so
 * that they are known even for records the ring buffer had no room for. */
#define UNWIND_COUNTER_SEEN 0
#define UNWIND_COUNTER_RECORDED 1
#define UNWIND_COUNTER_DROPPED 2           /* lost: the ring buffer was full */
#define UNWIND_COUNTER_FILTERED 3          /* filtered: not a target (or a kernel thread) */
#define UNWIND_COUNTER_NO_SCRATCH 4        /* lost: the CPU's record buffer was not found */
#define UNWIND_COUNTER_BOUNDS 5            /* lost: a length check failed (kept for the verifier) */
#define UNWIND_COUNTER_KERNEL_STACK 6      /* shortened: the kernel stack could not be read */
#define UNWIND_COUNTER_STACK_READ 7        /* shortened: the walk ended at a user stack read that faulted */
#define UNWIND_COUNTER_MAX_DEPTH 8         /* shortened: more user frames than the record holds */
#define UNWIND_COUNTER_COUNT 9

/* One row of a file's table: from pc (file vaddr) on, rule `rule` applies. */
struct unwind_row {
	__u32 pc;
	__u32 rule;
};

struct unwind_row_chunk {
	struct unwind_row rows[UNWIND_ROWS_PER_CHUNK];
};

/* A deduplicated rule, shared by every file. */
struct unwind_rule {
	__s32 cfa_offset;
	__s16 rbp_offset;
	__s16 ra_offset;
	__u8 cfa_kind;
	__u8 cfa_reg;                      /* DWARF number; the PLT threshold for UNWIND_CFA_PLT */
	__u8 rbp_kind;
	__u8 ra_kind;
};

/* A file's rows: [first_row, first_row + row_count) of the rows array, sorted by pc. */
struct unwind_file {
	__u32 first_row;
	__u32 row_count;
};

/* One executable mapping of a process: [start, end) holds file `file_id`; vaddr = addr - bias. */
struct unwind_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u32 file_id;
	__u32 reserved;
};

/* A process's executable file mappings, sorted by start, binary-searched per frame. */
struct unwind_proc {
	__u32 count;
	__u32 reserved;
	struct unwind_mapping mappings[UNWIND_MAX_MAPPINGS];
};

/* A record is this header followed by kernel_frames kernel addresses (u64, innermost first) and
 * user_frames user pcs (u64, leaf first, bit 63 = UNWIND_PC_EXACT). */
struct unwind_sample {
	__u64 time_ns;
	__u32 pid;                         /* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 flags;
	char comm[16];
	__u16 kernel_frames;
	__u16 user_frames;
	__u8 end;                          /* UNWIND_END_* */
	__u8 reserved[3];
};

#define UNWIND_RECORD_MAX_BYTES \
	(sizeof(struct unwind_sample) + (UNWIND_MAX_KERNEL_FRAMES + UNWIND_MAX_FRAMES) * 8)

#endif
