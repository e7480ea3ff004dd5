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

/* LuaJIT processes and what the walker needs to know of them (filled by userspace). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LJ_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct lj_proc);
} lj_procs SEC(".maps");

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

/* The Lua walker counts what it cannot read with the prologue's count(). */
#include "luajit_walk.h"

/* LuaJIT's section sits right after the record's header: its fixed part at a fixed offset, which
 * keeps the verifier's view simple, then the frames, the copied slots and the request's URI. */
#define LJ_SECTION_AT (sizeof(struct cpu_sample))
#define LJ_FRAMES_AT (LJ_SECTION_AT + sizeof(struct cpu_section) + sizeof(struct lj_section))

_Static_assert(sizeof(struct cpu_section) + sizeof(struct lj_section) + CPU_LUA_FRAME_BYTES + CPU_LUA_SLOT_BYTES +
	       CPU_LUA_URI_BYTES == CPU_SECTIONS_MAX_BYTES, "the section bound in cpu.h");

static __always_inline struct lj_section *lj_section_of(__u8 *buf)
{
	return (struct lj_section *)(buf + LJ_SECTION_AT + sizeof(struct cpu_section));
}

/* The Lua frames of a LuaJIT process, when the sample is on its VM's thread, into the section's
 * fixed part and after it. Returns the bytes of frames written; 0 (and no section) otherwise. A
 * separate function keeps the verifier's view of each part small. */
static __noinline __u32 walk_lua(__u8 *buf, __u32 tgid, __u32 tid)
{
	struct lj_section *sec = lj_section_of(buf);
	struct lj_proc *p = bpf_map_lookup_elem(&lj_procs, &tgid);
	struct lj_walk w = {};

	if (!p || tid != (p->vm_tid ? p->vm_tid : tgid))
		return 0;
	sec->request = 0;
	sec->uri_len = 0;
	sec->slot_frames = 0;
	lj_walk(p, &((struct cpu_sample *)buf)->regs, (struct lj_frame *)(buf + LJ_FRAMES_AT), &w);
	if (w.status == LJ_STATUS_NO_G)
		count(CPU_COUNTER_LUA_NO_G);
	else if (w.status == LJ_STATUS_READ_FAIL)
		count(CPU_COUNTER_LUA_READ);
	else if (w.status == LJ_STATUS_TRUNCATED)
		count(CPU_COUNTER_LUA_TRUNCATED);
	if (w.bad)
		count(CPU_COUNTER_LUA_BAD_FRAME);
	sec->L = w.L;
	sec->cframe = w.cframe;
	sec->vmstate = w.vmstate;
	sec->status = w.status;
	sec->top = w.top;
	if (w.L && (w.status == LJ_STATUS_OK || w.status == LJ_STATUS_TRUNCATED) &&
	    bpf_probe_read_user(&sec->request, 8, (void *)(w.L + p->lay.L_exdata)))
		count(CPU_COUNTER_LUA_URI);
	if (w.nframes > LJ_MAX_FRAMES)
		w.nframes = LJ_MAX_FRAMES;
	sec->frames = w.nframes;
	sec->slot_frames = w.slot_frames > LJ_SLOT_FRAMES ? LJ_SLOT_FRAMES : w.slot_frames;
	return (__u32)w.nframes * sizeof(struct lj_frame);
}

/* The slots the walk copied (LJ_PROC_SLOTS), appended after the frames. Returns their bytes. */
static __noinline __u32 append_slots(__u8 *buf, __u32 offset)
{
	struct lj_section *sec = lj_section_of(buf);
	__u32 zero = 0, frames = sec->slot_frames;
	__u64 bytes;
	struct lj_slots *slots;

	sec->slot_frames = 0;
	if (!frames)
		return 0;
	slots = bpf_map_lookup_elem(&lj_slots, &zero);
	if (!slots)
		return leave(CPU_COUNTER_LUA_SLOTS);
	asm volatile("" : "+r"(offset));
	if (offset > LJ_FRAMES_AT + CPU_LUA_FRAME_BYTES)
		return leave(CPU_COUNTER_PART_BOUNDS);
	bytes = (__u64)frames * LJ_SLOTS * 8;
	asm volatile("" : "+r"(bytes));
	if (bytes > CPU_LUA_SLOT_BYTES || bytes == 0)
		return leave(CPU_COUNTER_PART_BOUNDS);
	if (bpf_probe_read_kernel(buf + offset, bytes, slots))
		return leave(CPU_COUNTER_LUA_SLOTS);
	sec->slot_frames = frames;
	return bytes;
}

/* The URI of the request the running coroutine serves (ngx_lua), copied at the sample: by the time
 * userspace could read it, the request may be another. Returns the bytes appended. */
static __noinline __u32 append_uri(__u8 *buf, __u64 offset, __u32 tgid)
{
	struct lj_section *sec = lj_section_of(buf);
	struct lj_proc *p = bpf_map_lookup_elem(&lj_procs, &tgid);
	struct { __u64 len, data; } uri = {};
	__u64 len;
	__u8 *dst;

	if (!p || !p->uri_off || !sec->request)
		return 0;
	if (bpf_probe_read_user(&uri, sizeof(uri), (void *)(sec->request + p->uri_off)))
		return leave(CPU_COUNTER_LUA_URI);
	len = uri.len;
	if (len == 0)
		return 0;
	if (len > CPU_LUA_URI_BYTES)
		len = CPU_LUA_URI_BYTES;
	asm volatile("" : "+r"(len));
	asm volatile("" : "+r"(offset));
	if (offset > LJ_FRAMES_AT + CPU_LUA_FRAME_BYTES + CPU_LUA_SLOT_BYTES || len > CPU_LUA_URI_BYTES)
		return leave(CPU_COUNTER_PART_BOUNDS);
	dst = buf + offset;
	if (bpf_probe_read_user(dst, len, (void *)uri.data))
		return leave(CPU_COUNTER_LUA_URI);
	sec->uri_len = len < uri.len ? len : uri.len;
	return sec->uri_len;
}

/* The runtime sections of the record (LuaJIT's, when the sample is on a published VM's thread),
 * at LJ_SECTION_AT. Returns their bytes, 0 when the sample met no runtime. */
static __noinline __u32 runtime_sections(__u8 *buf, __u32 tgid, __u32 tid)
{
	struct cpu_section *head = (struct cpu_section *)(buf + LJ_SECTION_AT);
	struct lj_proc *p = bpf_map_lookup_elem(&lj_procs, &tgid);
	__u32 offset;

	if (!p || tid != (p->vm_tid ? p->vm_tid : tgid))
		return 0;
	offset = LJ_FRAMES_AT + walk_lua(buf, tgid, tid);
	if (offset > LJ_FRAMES_AT + CPU_LUA_FRAME_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	offset += append_slots(buf, offset);
	if (offset > LJ_FRAMES_AT + CPU_LUA_FRAME_BYTES + CPU_LUA_SLOT_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	offset += append_uri(buf, offset, tgid);
	if (offset > LJ_SECTION_AT + CPU_SECTIONS_MAX_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	head->tag = CPU_SECTION_LUAJIT;
	head->bytes = offset - LJ_SECTION_AT - sizeof(*head);
	head->pad = 0;
	return offset - LJ_SECTION_AT;
}

SEC("perf_event")
int sample_cpu(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, cpu = bpf_get_smp_processor_id();
	__u32 kernel_bytes = 0, user_bytes = 0, offset, length;
	struct cpu_sample *s;
	__u8 *buf;
	long n;

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

	offset = sizeof(*s);
	s->section_bytes = runtime_sections(buf, tgid, (__u32)id);
	offset += s->section_bytes;
	if (offset > sizeof(*s) + CPU_SECTIONS_MAX_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	if (kernel_stacks && (s->flags & CPU_FLAG_KERNEL_MODE)) {
		n = bpf_get_stack(ctx, buf + offset, FRAME_BYTES, 0);
		if (n > 0 && n <= FRAME_BYTES)
			kernel_bytes = n & ~7;
		else
			count(CPU_COUNTER_KERNEL_STACK);
	}
	offset += kernel_bytes;
	if (offset > sizeof(*s) + CPU_SECTIONS_MAX_BYTES + FRAME_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	n = bpf_get_stack(ctx, buf + offset, FRAME_BYTES, BPF_F_USER_STACK);
	if (n > 0 && n <= FRAME_BYTES)
		user_bytes = n & ~7;
	else
		count(CPU_COUNTER_FP_STACK);
	offset += user_bytes;
	if (offset > sizeof(*s) + CPU_SECTIONS_MAX_BYTES + 2 * FRAME_BYTES)
		return leave(CPU_COUNTER_BOUNDS);

	s = (struct cpu_sample *)buf;
	s->kernel_frames = kernel_bytes / 8;
	s->user_frames = user_bytes / 8;
	s->stack_bytes = copy_user_stack(buf, offset, s->regs.rsp, &s->flags);
	if (!s->stack_bytes && s->regs.rsp && stack_bytes_max)
		count(CPU_COUNTER_USER_STACK);

	length = offset + s->stack_bytes;
	if (length > CPU_RECORD_MAX_BYTES)
		return leave(CPU_COUNTER_TOO_LONG);
	if (bpf_ringbuf_output(&samples, buf, length, 0))
		return leave(CPU_COUNTER_DROPPED);
	count(CPU_COUNTER_RECORDED);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
