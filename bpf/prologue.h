/* The prologue every fluoro sampler shares (cpu.bpf.c, unwind.bpf.c and the samplers built on the
 * same event core): the per-CPU counters of why a program left early, the target filter, the
 * user-mode test and the user registers, and the copy of a window of the user stack. Kernel side
 * only: include after vmlinux.h and bpf_helpers.h.
 *
 * An includer defines, before including:
 *   PROLOGUE_COUNTERS          entries of its `counters` map (its header's *_COUNTER_COUNT)
 * and, for the target filter and the stack copy (FLUORO_PROLOGUE_CAPTURE):
 *   PROLOGUE_MAX_TARGETS       entries of the `targets` map
 *   PROLOGUE_SCRATCH_BYTES     bytes of the buffer records are built in
 *   PROLOGUE_PART_BOUNDS       the counter of "a part left out by a length check" */
#ifndef FLUORO_PROLOGUE_H
#define FLUORO_PROLOGUE_H

#define PF_KTHREAD 0x00200000

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROLOGUE_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Global, so the verifier checks it once, and a call to it splits no paths in the caller: a
 * counter more or less must not change what the verifier has to walk. */
__noinline int count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);

	if (value)
		*value += 1;
	return 0;
}

/* Counts why the program (or a part of it) leaves early; returns 0, what it then returns. */
static __always_inline int leave(__u32 reason)
{
	count(reason);
	return 0;
}

/* A thread of a user process (not a kernel thread, not an exiting task without memory). */
static __always_inline bool user_task(struct task_struct *task, __u32 tgid)
{
	return tgid && !(task->flags & PF_KTHREAD) && task->mm;
}

/* The perf context only allows 8-byte loads of registers, while pt_regs declares cs as 16 bits. */
static __always_inline __u64 read_cs(struct bpf_perf_event_data *ctx)
{
	return *(volatile __u64 *)((void *)&ctx->regs + __builtin_offsetof(struct pt_regs, cs));
}

#ifdef FLUORO_PROLOGUE_CAPTURE

/* Configuration, fixed before load so the verifier can prune what is switched off. */
const volatile bool all_processes = false;   /* every process but ours, instead of targets */
const volatile __u32 self_tgid = 0;          /* the profiler, never sampled */
const volatile __u32 stack_bytes_max = CPU_DEFAULT_STACK_BYTES;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROLOGUE_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

static __always_inline bool is_target(__u32 tgid)
{
	if (all_processes)
		return tgid != self_tgid;
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

#define COPY_REGS(dst, src)			\
	do {					\
		(dst)->rip = (src)->ip;		\
		(dst)->rsp = (src)->sp;		\
		(dst)->rbp = (src)->bp;		\
		(dst)->rax = (src)->ax;		\
		(dst)->rbx = (src)->bx;		\
		(dst)->rcx = (src)->cx;		\
		(dst)->rdx = (src)->dx;		\
		(dst)->rsi = (src)->si;		\
		(dst)->rdi = (src)->di;		\
		(dst)->r8 = (src)->r8;		\
		(dst)->r9 = (src)->r9;		\
		(dst)->r10 = (src)->r10;	\
		(dst)->r11 = (src)->r11;	\
		(dst)->r12 = (src)->r12;	\
		(dst)->r13 = (src)->r13;	\
		(dst)->r14 = (src)->r14;	\
		(dst)->r15 = (src)->r15;	\
	} while (0)

/* Loads through the perf context are rewritten by the verifier and must not share instructions
 * with loads through a kernel pointer; a separate subprogram keeps clang from merging the two. */
static __noinline __attribute__((unused)) void regs_from_context(struct cpu_regs *dst, struct bpf_perf_event_data *ctx)
{
	COPY_REGS(dst, &ctx->regs);
}

#define PROLOGUE_OFFSET_MASK 0xffff
_Static_assert(PROLOGUE_SCRATCH_BYTES <= PROLOGUE_OFFSET_MASK + 1, "scratch offsets must fit the verifier mask");

/* Copies the user stack from sp upward: first up to the next page boundary, then whole pages.
 * A page that cannot be read is left zeroed and the copy goes on: inside the stack that is a page
 * never touched (a large local array, say), which reads as zeros anyway, and frames above it
 * still count. The length returned ends at the last page that could be read, which is the end of
 * the stack mapping when the stack is shallower than the window. */
static __always_inline __u32 copy_user_stack(__u8 *buf, __u64 start, __u64 sp, __u32 *flags)
{
	__u64 limit = stack_bytes_max, copied = 0, end = 0;
	bool hole = false;

	if (limit > CPU_MAX_STACK_BYTES)
		limit = CPU_MAX_STACK_BYTES;
	if (!sp)
		return 0;
	for (int i = 0; i <= CPU_MAX_STACK_BYTES / CPU_PAGE_SIZE; i++) {
		__u64 chunk = CPU_PAGE_SIZE - ((sp + copied) & (CPU_PAGE_SIZE - 1));
		__u64 offset = start + copied;

		if (copied >= limit)
			break;
		if (chunk > limit - copied)
			chunk = limit - copied;
		/* Masks (all-ones, so they change nothing here) the verifier can follow. */
		chunk &= PROLOGUE_OFFSET_MASK;
		offset &= PROLOGUE_OFFSET_MASK;
		if (chunk > CPU_PAGE_SIZE || offset > PROLOGUE_SCRATCH_BYTES - CPU_PAGE_SIZE) {
			count(PROLOGUE_PART_BOUNDS);
			break;
		}
		/* On failure the helper zeroes the destination. */
		if (bpf_probe_read_user(buf + offset, chunk, (void *)(sp + copied))) {
			hole = true;
		} else {
			if (hole)
				*flags |= CPU_FLAG_STACK_HOLES;
			end = copied + chunk;
		}
		copied += chunk;
	}
	return end;
}

#endif /* FLUORO_PROLOGUE_CAPTURE */
#endif
