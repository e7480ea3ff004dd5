/* Shared between bpf/offcpu.bpf.c and src/collectors/offcpu/record.ts: the two records the
 * off-CPU program writes. Checked against the TypeScript side by a test that compiles this file
 * with the host compiler, like cpu.h.
 *
 * A target thread leaving its CPU writes a switch-out record: this small header, then a whole
 * CPU sample record (struct cpu_sample and its sections, cpu.h) taken at that instant, so the
 * CPU profiler's decoder, unwinder and runtime walkers read it unchanged. When the thread runs
 * again it writes a switch-in record with both times; userspace joins the two by thread. */
#ifndef FLUORO_OFFCPU_H
#define FLUORO_OFFCPU_H

#include "cpu.h"

#define OFFCPU_RECORD_OUT 1          /* struct offcpu_out, then a struct cpu_sample record */
#define OFFCPU_RECORD_IN 2           /* struct offcpu_in */

#define OFFCPU_MAX_THREADS 65536     /* threads switched out at once that can be followed */

/* offcpu_in.flags */
#define OFFCPU_IN_LOST 1             /* the switch-out record did not fit in the ring buffer */

/* Index into the per-CPU counters array: the CPU profiler's (the switch-out record is a CPU sample,
 * built by the same code, which counts under the same reasons), then ours. */
#define OFFCPU_COUNTER_SEEN CPU_COUNTER_SEEN          /* the program ran (every context switch) */
#define OFFCPU_COUNTER_RECORDED CPU_COUNTER_RECORDED  /* a switch-out record reached the ring */
#define OFFCPU_COUNTER_DROPPED CPU_COUNTER_DROPPED    /* a record did not fit in the ring */
#define OFFCPU_COUNTER_FILTERED CPU_COUNTER_FILTERED  /* neither thread was a target */
#define OFFCPU_COUNTER_NO_ROOM CPU_COUNTER_COUNT      /* the map of switched-out threads was full */
#define OFFCPU_COUNTER_COUNT (CPU_COUNTER_COUNT + 1)

struct offcpu_out {
	__u32 kind;                  /* OFFCPU_RECORD_OUT */
	__u32 state;                 /* the thread's state as it left (prev_state; 0: still runnable) */
	__s64 syscall;               /* orig_rax of its user registers: the system call it is in, or
					  * an exception's code when it is in none */
	__u8 preempt;                /* switched out by preemption */
	__u8 pad[7];
};

struct offcpu_in {
	__u32 kind;                  /* OFFCPU_RECORD_IN */
	__u32 flags;                 /* OFFCPU_IN_* */
	__u32 pid;
	__u32 tid;
	__u64 out_ns;                /* when it left; 0: not seen leaving since the program was attached */
	__u64 in_ns;                 /* when it came back (CLOCK_MONOTONIC, as cpu_sample.time_ns) */
};

/* What the program keeps per switched-out thread (key: tid) until the thread runs again. */
struct offcpu_pending {
	__u64 out_ns;
	__u32 flags;                 /* OFFCPU_IN_* to pass on */
	__u32 pad;
};

#endif
