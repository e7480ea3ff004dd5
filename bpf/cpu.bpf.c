// SPDX-License-Identifier: GPL-2.0
/* The kernel side of the CPU profiler. On each CPU-clock sample of a target process it records
 * what is only true at that instant (the user registers, the kernel stack, the frame-pointer user
 * stack and a window of the user stack's memory) into a ring buffer; userspace unwinds later.
 * Every early exit, and every part of a record left out, is counted by reason (include/cpu.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "cpu.h"
#include "luajit.h"

#define SCRATCH_BYTES (CPU_RECORD_MAX_BYTES + CPU_PAGE_SIZE)
#define FRAME_BYTES (CPU_MAX_FRAMES * 8)

#define PROLOGUE_COUNTERS CPU_COUNTER_COUNT
#define FLUORO_PROLOGUE_CAPTURE
#define PROLOGUE_MAX_TARGETS CPU_MAX_TARGETS
#define PROLOGUE_SCRATCH_BYTES SCRATCH_BYTES
#define PROLOGUE_PART_BOUNDS CPU_COUNTER_PART_BOUNDS
#include "prologue.h"

_Static_assert(sizeof(struct cpu_sample) == 192, "record header layout");
_Static_assert(sizeof(struct cpu_section) == 8 && sizeof(struct lj_section) == 48, "section layouts");

/* Configuration, fixed before load (the prologue has the target filter and the stack window). */
const volatile bool kernel_stacks = true;
/* bpf_task_pt_regs exists (Linux 5.15). Without it the verifier never sees the call. */
const volatile bool have_task_pt_regs = true;

/* One record-building buffer per CPU. Per-CPU arrays cap values at 32 KiB, less than a record
 * can need, so this is a plain array with one slot per possible CPU (max_entries is set by
 * userspace before load). Programs on one CPU do not nest, so a slot has a single writer. */
struct scratch_slot {
	__u8 data[SCRATCH_BYTES];
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
} samples SEC(".maps");

/* The record's body: runtime sections (the LuaJIT walk), stacks and the stack window. */
#include "sample_record.h"

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, cpu = bpf_get_smp_processor_id();
	__u64 length;
	struct cpu_sample *s;
	__u8 *buf;

	count(CPU_COUNTER_SEEN);
	if (!user_task(task, tgid) || !is_target(tgid))
		return leave(CPU_COUNTER_FILTERED);
	buf = bpf_map_lookup_elem(&scratch, &cpu);
	if (!buf)
		return leave(CPU_COUNTER_NO_SCRATCH);
	s = (struct cpu_sample *)buf;

	s->time_ns = bpf_ktime_get_ns();
	s->pid = tgid;
	s->tid = (__u32)id;
	s->cpu = cpu;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	if ((read_cs(ctx) & 3) == 3) {
		s->flags = 0;
		regs_from_context(&s->regs, ctx);
	} else if (have_task_pt_regs) {
		/* In the kernel on behalf of the process: its user registers were saved on entry. */
		struct pt_regs *user = (struct pt_regs *)bpf_task_pt_regs(task);

		s->flags = CPU_FLAG_KERNEL_MODE;
		COPY_REGS(&s->regs, user);
	} else {
		/* The saved user registers are out of reach: the sample has no user stack. */
		s->flags = CPU_FLAG_KERNEL_MODE | CPU_FLAG_NO_USER_REGS;
		__builtin_memset(&s->regs, 0, sizeof(s->regs));
		count(CPU_COUNTER_NO_USER_REGS);
	}

	length = sample_body(ctx, buf, tgid, (__u32)id, kernel_stacks && (s->flags & CPU_FLAG_KERNEL_MODE));
	if (!length)
		return 0;
	/* Checked again where it is used: the verifier must see the bound on this register. */
	asm volatile("" : "+r"(length));
	if (length > CPU_RECORD_MAX_BYTES)
		return 0;
	if (bpf_ringbuf_output(&samples, buf, length, 0))
		return leave(CPU_COUNTER_DROPPED);
	count(CPU_COUNTER_RECORDED);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
