/* Shared between bpf/cpu.bpf.c and src/collectors/cpu/record.ts: constants and the layout of one
 * CPU sample record. The TypeScript decoder is checked against this file by
 * src/collectors/cpu/record.test.ts, which compiles it with the host compiler, so a change here
 * that is not mirrored there fails the tests. */
#ifndef FLUORO_CPU_H
#define FLUORO_CPU_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CPU_MAX_FRAMES 127                   /* kernel and frame-pointer stacks, in addresses */
#define CPU_MAX_STACK_BYTES 32768            /* ceiling on the copied user stack window */
#define CPU_DEFAULT_STACK_BYTES 16384
#define CPU_PAGE_SIZE 4096
#define CPU_MAX_TARGETS 1024
#define CPU_LUA_FRAME_BYTES (64 * 24)        /* LJ_MAX_FRAMES * sizeof(struct lj_frame) */
#define CPU_LUA_SLOT_BYTES (8 * 34 * 8)      /* LJ_SLOT_FRAMES * LJ_SLOTS * 8 */
#define CPU_LUA_URI_BYTES 96                 /* LJ_URI_MAX */

/* sample.flags */
#define CPU_FLAG_KERNEL_MODE 1               /* the sample interrupted kernel code */
#define CPU_FLAG_STACK_HOLES 2               /* unreadable pages inside the copy, left zeroed */
#define CPU_FLAG_NO_USER_REGS 4              /* kernel mode, no bpf_task_pt_regs: regs zero, no user stack */

/* Index into the per-CPU counters array. SEEN and RECORDED count runs of the program; every other
 * index names a reason: a sample not recorded at all (lost: counted once), recorded with less
 * than it should carry (shortened: counted once per reason), or not wanted (filtered). */
#define CPU_COUNTER_SEEN 0                   /* the program ran */
#define CPU_COUNTER_RECORDED 1               /* a record reached the ring buffer */
#define CPU_COUNTER_DROPPED 2                /* lost: the ring buffer was full */
#define CPU_COUNTER_FILTERED 3               /* filtered: not a target (or a kernel thread) */
#define CPU_COUNTER_NO_SCRATCH 4             /* lost: the CPU's record buffer was not found */
#define CPU_COUNTER_BOUNDS 5                 /* lost: a length check failed (kept for the verifier) */
#define CPU_COUNTER_TOO_LONG 6               /* lost: the record outgrew CPU_RECORD_MAX_BYTES */
#define CPU_COUNTER_KERNEL_STACK 7           /* shortened: the kernel stack could not be read */
#define CPU_COUNTER_FP_STACK 8               /* shortened: the frame-pointer user stack could not be read */
#define CPU_COUNTER_USER_STACK 9             /* shortened: no page of the user stack window could be read */
#define CPU_COUNTER_PART_BOUNDS 10           /* shortened: a part left out by a length check */
#define CPU_COUNTER_LUA_NO_G 11              /* shortened: the LuaJIT VM's global state is not known yet */
#define CPU_COUNTER_LUA_READ 12              /* shortened: reading the VM's state faulted: no Lua frames */
#define CPU_COUNTER_LUA_BAD_FRAME 13         /* shortened: the Lua walk stopped at a slot that is no frame */
#define CPU_COUNTER_LUA_TRUNCATED 14         /* shortened: more Lua frames than the walk records */
#define CPU_COUNTER_LUA_SLOTS 15             /* shortened: a Lua frame's slots (locals) not copied; per frame */
#define CPU_COUNTER_LUA_URI 16               /* shortened: the request or its URI could not be read */
#define CPU_COUNTER_NO_USER_REGS 17          /* shortened: CPU_FLAG_NO_USER_REGS */
#define CPU_COUNTER_COUNT 18

/* The user-mode registers at the sample, in this order. */
struct cpu_regs {
	__u64 rip, rsp, rbp;
	__u64 rax, rbx, rcx, rdx, rsi, rdi;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* A record is this header followed by, contiguously: section_bytes of runtime sections (each a
 * struct cpu_section and its body: what one runtime's walker saw, e.g. LuaJIT's, laid out in that
 * runtime's own header), kernel_frames kernel addresses (u64), user_frames frame-pointer user
 * addresses (u64), then stack_bytes bytes of user stack copied from regs.rsp upward. Only the used
 * length is emitted; a sample that met no runtime carries no section. */
struct cpu_sample {
	__u64 time_ns;                       /* bpf_ktime_get_ns, CLOCK_MONOTONIC */
	__u32 pid;                           /* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 flags;
	char comm[16];
	struct cpu_regs regs;
	__u16 kernel_frames;
	__u16 user_frames;
	__u32 stack_bytes;
	__u16 section_bytes;                 /* runtime sections, right after this header */
	__u16 pad[3];
};

/* One runtime's part of a record: `bytes` of body follow this header. */
struct cpu_section {
	__u16 tag;                           /* CPU_SECTION_* */
	__u16 bytes;
	__u32 pad;
};

#define CPU_SECTION_LUAJIT 1                 /* struct lj_section and its frames, slots, URI */

/* Room for every section a record can carry (one today: LuaJIT's, see luajit.h). */
#define CPU_SECTIONS_MAX_BYTES (8 + 48 + CPU_LUA_FRAME_BYTES + CPU_LUA_SLOT_BYTES + CPU_LUA_URI_BYTES)

/* Worst-case record length: the scratch buffer each CPU builds its record in. */
#define CPU_RECORD_MAX_BYTES \
	(sizeof(struct cpu_sample) + CPU_SECTIONS_MAX_BYTES + 2 * CPU_MAX_FRAMES * 8 + CPU_MAX_STACK_BYTES)

#endif
