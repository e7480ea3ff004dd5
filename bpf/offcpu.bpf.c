// SPDX-License-Identifier: GPL-2.0
/* The kernel side of the off-CPU profiler, on every context switch (tp_btf/sched_switch).
 *
 * A target thread leaving its CPU (prev): what is only true now is recorded (its user registers,
 * kernel stack, a window of its user stack, the LuaJIT walk, the system call it sleeps in), as a
 * CPU sample record behind a small header (offcpu.h), and the time is kept per thread. The same
 * thread coming back (next): a small record with both times. Userspace joins the two by thread
 * and weights the stack with the time in between; every block is counted, none is sampled. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "offcpu.h"
#include "luajit.h"

#define TASK_DEAD 0x80
#define SCRATCH_BYTES (CPU_RECORD_MAX_BYTES + CPU_PAGE_SIZE)
#define HEADER_BYTES sizeof(struct offcpu_out)
#define FRAME_BYTES (CPU_MAX_FRAMES * 8)

#define PROLOGUE_COUNTERS OFFCPU_COUNTER_COUNT
#define FLUORO_PROLOGUE_CAPTURE
#define PROLOGUE_MAX_TARGETS CPU_MAX_TARGETS
#define PROLOGUE_SCRATCH_BYTES SCRATCH_BYTES
#define PROLOGUE_PART_BOUNDS CPU_COUNTER_PART_BOUNDS
#include "prologue.h"

_Static_assert(sizeof(struct offcpu_out) == 24, "switch-out header layout");
_Static_assert(sizeof(struct offcpu_in) == 32, "switch-in record layout");

/* Configuration, fixed before load (the prologue has the target filter and the stack window). */
const volatile bool kernel_stacks = true;

/* The switch-out record's body, built as in cpu.bpf.c. */
#include "sample_record.h"

/* Target threads off their CPU now, by tid: when they left. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_pending);
} switched_out SEC(".maps");

/* One record-building buffer per CPU, as in cpu.bpf.c (max_entries set by userspace): the header,
 * then the CPU sample record. Programs on one CPU do not nest, so a slot has a single writer. */
struct scratch_slot {
	__u8 data[HEADER_BYTES + SCRATCH_BYTES];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch_slot);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} records SEC(".maps");

/* prev (the current task) leaves its CPU: record its stack and remember when. */
static __noinline void switch_out(void *ctx, struct task_struct *prev, bool preempt, __u32 state, __u64 now)
{
	struct offcpu_pending pending = { .out_ns = now };
	__u32 cpu = bpf_get_smp_processor_id(), tid = prev->pid, tgid = prev->tgid;
	__u64 length;
	struct offcpu_out *h;
	struct cpu_sample *s;
	struct pt_regs *user;
	__u8 *base, *buf;

	base = bpf_map_lookup_elem(&scratch, &cpu);
	if (!base) {
		count(CPU_COUNTER_NO_SCRATCH);
		return;
	}
	h = (struct offcpu_out *)base;
	buf = base + HEADER_BYTES;
	s = (struct cpu_sample *)buf;
	user = (struct pt_regs *)bpf_task_pt_regs(prev);

	h->kind = OFFCPU_RECORD_OUT;
	h->state = state;
	h->syscall = user->orig_ax;
	h->preempt = preempt;
	s->time_ns = now;
	s->pid = tgid;
	s->tid = tid;
	s->cpu = cpu;
	s->flags = CPU_FLAG_KERNEL_MODE;
	bpf_probe_read_kernel(s->comm, sizeof(s->comm), prev->comm);
	COPY_REGS(&s->regs, user);

	length = sample_body(ctx, buf, tgid, tid, kernel_stacks);
	if (!length)
		return;
	/* Checked again where it is used: the verifier must see the bound on this register. */
	asm volatile("" : "+r"(length));
	if (length > CPU_RECORD_MAX_BYTES)
		return;
	if (bpf_ringbuf_output(&records, base, HEADER_BYTES + length, 0)) {
		/* The time still counts when the thread comes back, under no stack. */
		pending.flags = OFFCPU_IN_LOST;
		count(OFFCPU_COUNTER_DROPPED);
	} else {
		count(OFFCPU_COUNTER_RECORDED);
	}
	if (bpf_map_update_elem(&switched_out, &tid, &pending, BPF_ANY))
		count(OFFCPU_COUNTER_NO_ROOM);
}

/* next comes back: say how long it was away (or that it left before the program was attached). */
static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	__u32 tid = next->pid;
	struct offcpu_pending *pending = bpf_map_lookup_elem(&switched_out, &tid);
	struct offcpu_in r = {
		.kind = OFFCPU_RECORD_IN,
		.pid = next->tgid,
		.tid = tid,
		.in_ns = now,
	};

	if (pending) {
		r.out_ns = pending->out_ns;
		r.flags = pending->flags;
		bpf_map_delete_elem(&switched_out, &tid);
	}
	if (bpf_ringbuf_output(&records, &r, sizeof(r), 0))
		count(OFFCPU_COUNTER_DROPPED);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	bool out, in;
	__u64 now;

	count(OFFCPU_COUNTER_SEEN);
	/* An exiting thread's last switch is not a wait. */
	out = user_task(prev, prev->tgid) && !(prev_state & TASK_DEAD) && is_target(prev->tgid);
	in = user_task(next, next->tgid) && is_target(next->tgid);
	if (!out && !in) {
		count(OFFCPU_COUNTER_FILTERED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	if (out)
		switch_out(ctx, prev, preempt, prev_state, now);
	if (in)
		switch_in(next, now);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
