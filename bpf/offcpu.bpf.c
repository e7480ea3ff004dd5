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
#include "luajit_walk.h"

#define PF_KTHREAD 0x00200000
#define TASK_DEAD 0x80
#define SCRATCH_BYTES (CPU_RECORD_MAX_BYTES + CPU_PAGE_SIZE)
#define HEADER_BYTES sizeof(struct offcpu_out)
#define FRAME_BYTES (CPU_MAX_FRAMES * 8)
#define OFFSET_MASK 0xffff

_Static_assert(SCRATCH_BYTES <= OFFSET_MASK + 1, "scratch offsets must fit the verifier mask");
_Static_assert(sizeof(struct offcpu_out) == 24, "switch-out header layout");
_Static_assert(sizeof(struct offcpu_in) == 32, "switch-in record layout");

/* Configuration, fixed before load so the verifier can prune what is switched off. */
const volatile bool all_processes = false;   /* every process but ours, instead of targets */
const volatile __u32 self_tgid = 0;          /* the profiler, never followed */
const volatile bool kernel_stacks = true;
const volatile __u32 stack_bytes_max = CPU_DEFAULT_STACK_BYTES;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CPU_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* LuaJIT processes and what the walker needs to know of them (filled by userspace). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LJ_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct lj_proc);
} lj_procs SEC(".maps");

/* Target threads off their CPU now, by tid: when they left. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct offcpu_pending);
} switched_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OFFCPU_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

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

static __always_inline void count(__u32 index)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &index);

	if (value)
		*value += 1;
}

/* shared with cpu.bpf.c */
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

static __always_inline bool is_target(__u32 tgid)
{
	if (all_processes)
		return tgid != self_tgid;
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

static __always_inline bool is_user_thread(struct task_struct *t)
{
	return t->tgid && !(t->flags & PF_KTHREAD) && t->mm;
}

/* shared with cpu.bpf.c: the user stack from sp upward, page by page; an unreadable page is left
 * zeroed and the copy goes on. Returns the length up to the last page that could be read. */
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
		chunk &= OFFSET_MASK;
		offset &= OFFSET_MASK;
		if (chunk > CPU_PAGE_SIZE || offset > SCRATCH_BYTES - CPU_PAGE_SIZE)
			break;
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

/* shared with cpu.bpf.c: the Lua frames of a LuaJIT process, when the thread is its VM's. */
static __noinline __u32 walk_lua(__u8 *buf, __u32 offset, __u32 tgid, __u32 tid)
{
	struct cpu_sample *s = (struct cpu_sample *)buf;
	struct lj_proc *p = bpf_map_lookup_elem(&lj_procs, &tgid);
	struct lj_walk w = {};
	struct lj_frame *out;

	s->lua_L = 0;
	s->lua_cframe = 0;
	s->lua_vmstate = 0;
	s->lua_top = 0;
	s->lua_frames = 0;
	s->lua_status = LJ_STATUS_NONE;
	s->lua_slot_frames = 0;
	s->lua_request = 0;
	s->lua_uri_len = 0;
	if (!p || tid != (p->vm_tid ? p->vm_tid : tgid))
		return 0;
	asm volatile("" : "+r"(offset));
	if (offset > sizeof(*s) + 2 * FRAME_BYTES)
		return 0;
	out = (struct lj_frame *)(buf + offset);
	lj_walk(p, &s->regs, out, &w);
	s->lua_L = w.L;
	s->lua_cframe = w.cframe;
	s->lua_vmstate = w.vmstate;
	s->lua_status = w.status;
	s->lua_top = w.top;
	if (w.L && (w.status == LJ_STATUS_OK || w.status == LJ_STATUS_TRUNCATED))
		bpf_probe_read_user(&s->lua_request, 8, (void *)(w.L + p->lay.L_exdata));
	if (w.nframes > LJ_MAX_FRAMES)
		w.nframes = LJ_MAX_FRAMES;
	s->lua_frames = w.nframes;
	/* Slot values (locals) are for backtraces; an off-CPU stack does not carry them. */
	s->lua_slot_frames = 0;
	return (__u32)w.nframes * sizeof(struct lj_frame);
}

/* shared with cpu.bpf.c: the URI of the request the coroutine serves (ngx_lua). */
static __noinline __u32 append_uri(__u8 *buf, __u64 offset, __u32 tgid)
{
	struct cpu_sample *s = (struct cpu_sample *)buf;
	struct lj_proc *p = bpf_map_lookup_elem(&lj_procs, &tgid);
	struct { __u64 len, data; } uri = {};
	__u64 len;
	__u8 *dst;

	if (!p || !p->uri_off || !s->lua_request)
		return 0;
	if (bpf_probe_read_user(&uri, sizeof(uri), (void *)(s->lua_request + p->uri_off)))
		return 0;
	len = uri.len;
	if (len == 0)
		return 0;
	if (len > CPU_LUA_URI_BYTES)
		len = CPU_LUA_URI_BYTES;
	asm volatile("" : "+r"(len));
	asm volatile("" : "+r"(offset));
	if (offset > CPU_RECORD_MAX_BYTES - CPU_MAX_STACK_BYTES - CPU_LUA_URI_BYTES || len > CPU_LUA_URI_BYTES)
		return 0;
	dst = buf + offset;
	if (bpf_probe_read_user(dst, len, (void *)uri.data))
		return 0;
	s->lua_uri_len = len < uri.len ? len : uri.len;
	return s->lua_uri_len;
}

/* prev (the current task) leaves its CPU: record its stack and remember when. */
static __noinline void switch_out(void *ctx, struct task_struct *prev, bool preempt, __u32 state, __u64 now)
{
	struct offcpu_pending pending = { .out_ns = now };
	__u32 cpu = bpf_get_smp_processor_id(), tid = prev->pid, tgid = prev->tgid;
	__u32 kernel_bytes = 0, user_bytes = 0, offset, length;
	struct offcpu_out *h;
	struct cpu_sample *s;
	struct pt_regs *user;
	__u8 *base, *buf;
	long n;

	base = bpf_map_lookup_elem(&scratch, &cpu);
	if (!base)
		return;
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

	offset = sizeof(*s);
	if (kernel_stacks) {
		n = bpf_get_stack(ctx, buf + offset, FRAME_BYTES, 0);
		if (n > 0 && n <= FRAME_BYTES)
			kernel_bytes = n & ~7;
	}
	offset += kernel_bytes;
	if (offset > sizeof(*s) + FRAME_BYTES)
		return;
	n = bpf_get_stack(ctx, buf + offset, FRAME_BYTES, BPF_F_USER_STACK);
	if (n > 0 && n <= FRAME_BYTES)
		user_bytes = n & ~7;
	offset += user_bytes;
	if (offset > sizeof(*s) + 2 * FRAME_BYTES)
		return;

	s = (struct cpu_sample *)buf;
	s->kernel_frames = kernel_bytes / 8;
	s->user_frames = user_bytes / 8;
	offset += walk_lua(buf, offset, tgid, tid);
	if (offset > sizeof(*s) + 2 * FRAME_BYTES + CPU_LUA_FRAME_BYTES)
		return;
	offset += append_uri(buf, offset, tgid);
	if (offset > sizeof(*s) + 2 * FRAME_BYTES + CPU_LUA_FRAME_BYTES + CPU_LUA_URI_BYTES)
		return;
	s->stack_bytes = copy_user_stack(buf, offset, s->regs.rsp, &s->flags);

	length = offset + s->stack_bytes;
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
	out = is_user_thread(prev) && !(prev_state & TASK_DEAD) && is_target(prev->tgid);
	in = is_user_thread(next) && is_target(next->tgid);
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
