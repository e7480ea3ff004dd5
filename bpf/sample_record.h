/* The body of a CPU sample record (struct cpu_sample in include/cpu.h), built in the kernel after
 * its header: the runtime sections (the map of published LuaJIT VMs, the walk of luajit_walk.h and
 * the LuaJIT section, struct lj_section), the kernel and frame-pointer stacks and the user stack
 * window. Shared by every sampler whose records are CPU samples (cpu.bpf.c, offcpu.bpf.c).
 * Include after prologue.h, with FRAME_BYTES defined: it counts with count() under the
 * CPU_COUNTER_* reasons, which the includer's counters map must have at the same indexes. */
#ifndef FLUORO_SAMPLE_RECORD_H
#define FLUORO_SAMPLE_RECORD_H

/* LuaJIT processes and what the walker needs to know of them (filled by userspace). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LJ_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct lj_proc);
} lj_procs SEC(".maps");

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

/* Everything after the header of the record at buf, whose regs and flags are filled in: the
 * runtime sections, the kernel stack (when `kernel_stack`), the frame-pointer user stack and the
 * user stack window. Returns the record's length, or 0 when a length check failed (counted). */
static __always_inline __u64 sample_body(void *ctx, __u8 *buf, __u32 tgid, __u32 tid, bool kernel_stack)
{
	struct cpu_sample *s = (struct cpu_sample *)buf;
	__u32 kernel_bytes = 0, user_bytes = 0, offset;
	__u64 length;
	long n;

	offset = sizeof(*s);
	s->section_bytes = runtime_sections(buf, tgid, tid);
	offset += s->section_bytes;
	if (offset > sizeof(*s) + CPU_SECTIONS_MAX_BYTES)
		return leave(CPU_COUNTER_BOUNDS);
	if (kernel_stack) {
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
	return length;
}

#endif
