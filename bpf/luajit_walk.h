/* Walking a LuaJIT (GC64) stack at sample time, in BPF.
 *
 * The Lua stack lives in the VM's heap, not on the machine stack, and it changes as soon as the
 * process runs on: so the frames are read here, when the sample is taken, and only the raw facts
 * (prototype addresses and bytecode positions, C function addresses, fast-function ids) are
 * recorded. Userspace turns them into names and lines. The facts this relies on are in the
 * project's LuaJIT notes; every offset comes from a layout that userspace validated for the build.
 *
 * Frames are two slots in GC64 builds: at `frame` the link (a return PC for frames called from
 * Lua, or a size and type for the others), at `frame - 8` the function.
 *
 * The includer provides count() and the CPU_COUNTER_* reasons (include/cpu.h): a frame whose
 * slots cannot be copied is counted right where it happens, which costs the verifier nothing,
 * where a count carried in the walk's state would multiply the states it compares. */
#ifndef FLUORO_LUAJIT_WALK_H
#define FLUORO_LUAJIT_WALK_H

#include "luajit.h"

#define LJ_GCMASK ((1ULL << 47) - 1)
#define LJ_ITYPE(v) ((__u32)((__s64)(v) >> 47))
#define LJ_TFUNC 0xfffffff7u          /* ~8 */

#define FRAME_LUA 0
#define FRAME_C 1
#define FRAME_CONT 2
#define FRAME_VARG 3
#define FRAME_CP 5
#define FRAME_TYPE 3
#define FRAME_TYPEP 7

/* Per-CPU room for the slots copied at one sample (LJ_PROC_SLOTS). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lj_slots);
} lj_slots SEC(".maps");

struct lj_walk {
	__u64 L;
	__u64 cframe;
	__u64 top;
	__s32 vmstate;
	__u16 nframes;
	__u16 slot_frames;
	__u8 status;
	__u8 bad;            /* the walk stopped at a slot it could not read as a frame */
};

static __always_inline int lj_read(void *dst, __u32 size, __u64 addr)
{
	return bpf_probe_read_user(dst, size, (const void *)addr);
}

/* Learns G from the interpreter's DISPATCH register (r14), checking that it points back at
 * itself through the main thread, as it must in GG_State. */
static __always_inline __u64 lj_learn_G(struct lj_proc *p, const struct cpu_regs *regs)
{
	__u64 G, mainL = 0, glref = 0;

	if (regs->rip < p->interp_start || regs->rip >= p->interp_end)
		return 0;
	G = regs->r14 - p->lay.dispatch;
	if (lj_read(&mainL, 8, G + p->lay.G_mainthref))
		return 0;
	mainL &= LJ_GCMASK;
	if (mainL + p->lay.L_size != G)
		return 0;
	if (lj_read(&glref, 8, mainL + p->lay.L_glref) || glref != G)
		return 0;
	p->G = G;
	return G;
}

struct lj_step_ctx {
#ifndef FLUORO_NO_BPF_LOOP
	struct lj_frame *out;                /* bpf_loop's context is on the stack: pointers keep */
#endif
	__u64 frame, bottom, pc, trace_fnpc;
	__u32 n;
	__u16 fn_ffid, fn_pc, fn_cfunc, proto_size;
	__u16 slot_frames;
	bool skip, bad, copy_slots;
};

/* Records a frame: at c->out with bpf_loop, else at `out` (see lj_steps). */
static __always_inline void lj_emit(struct lj_step_ctx *c, struct lj_frame *out, __u8 kind, __u64 ptr,
				    __u32 pc)
{
	struct lj_frame *f;

	if (c->n >= LJ_MAX_FRAMES)
		return;
#ifndef FLUORO_NO_BPF_LOOP
	out = c->out;
#endif
	f = &out[c->n & (LJ_MAX_FRAMES - 1)];
	f->kind = kind;
	f->ptr = ptr;
	f->pc = pc;
	f->base = c->frame + 8;
	f->slots = 0;
	if (kind == LJ_FRAME_LUA && c->copy_slots && c->slot_frames < LJ_SLOT_FRAMES) {
		__u32 zero = 0;
		struct lj_slots *s = bpf_map_lookup_elem(&lj_slots, &zero);

		/* Copied now, in the same instant as the frames: values read later would not be
		 * the values at this sample. A read that faults leaves the frame without values. */
		if (s && !bpf_probe_read_user(s->v[c->slot_frames & (LJ_SLOT_FRAMES - 1)], LJ_SLOTS * 8,
					      (void *)(c->frame - 8)))
			f->slots = ++c->slot_frames;
		else
			count(CPU_COUNTER_LUA_SLOTS);
	}
	c->n++;
}

/* One frame of the walk: record it into `out`, then step to the frame below. Returns 1 to stop. */
static __always_inline long lj_step(struct lj_step_ctx *c, struct lj_frame *out)
{
	__u64 ftsz = 0, fnv = 0, fn, fnpc = 0;
	__u8 ffid = 0;

	if (c->frame <= c->bottom || c->n >= LJ_MAX_FRAMES)
		return 1;
	if (lj_read(&ftsz, 8, c->frame) || lj_read(&fnv, 8, c->frame - 8) || LJ_ITYPE(fnv) != LJ_TFUNC) {
		/* Not a frame: say where the walk stopped rather than guess past it. */
		lj_emit(c, out, LJ_FRAME_BAD, c->frame, 0);
		c->bad = true;
		return 1;
	}
	fn = fnv & LJ_GCMASK;
	if (!c->skip) {
		lj_read(&ffid, 1, fn + c->fn_ffid);
		if (ffid == 0) {
			lj_read(&fnpc, 8, fn + c->fn_pc);
			/* A trace's start PC only speaks for the frame of the trace's own function. */
			if (c->trace_fnpc && c->trace_fnpc != fnpc)
				c->pc = 0;
			lj_emit(c, out, LJ_FRAME_LUA, fnpc - c->proto_size,
				c->pc > fnpc ? (__u32)((c->pc - fnpc) / 4 - 1) : 0xffffffffu);
		} else if (ffid == 1) {
			__u64 cfunc = 0;

			lj_read(&cfunc, 8, fn + c->fn_cfunc);
			lj_emit(c, out, LJ_FRAME_C, cfunc, 0);
		} else {
			lj_emit(c, out, LJ_FRAME_FAST, fn, ffid);
		}
	}
	c->trace_fnpc = 0;
	c->skip = false;
	if ((ftsz & FRAME_TYPE) == FRAME_LUA) {
		__u32 ins = 0;

		/* Called from Lua: the link is the return PC; the CALL before it names the slot. */
		c->pc = ftsz;
		if (lj_read(&ins, 4, ftsz - 4)) {
			lj_emit(c, out, LJ_FRAME_BAD, c->frame, 0);
			c->bad = true;
			return 1;
		}
		c->frame -= 8 * (2 + ((ins >> 8) & 0xff));
		return 0;
	}
	c->pc = 0;
	if ((ftsz & FRAME_TYPEP) == FRAME_CONT)
		lj_read(&c->pc, 8, c->frame - 16);
	if ((ftsz & FRAME_TYPEP) == FRAME_VARG) {
		/* The function's fixed part was copied above its varargs: step back to the original
		 * frame, which is the same function, without recording it twice. */
		c->skip = true;
	} else if ((ftsz & FRAME_TYPE) == FRAME_C) {
		lj_emit(c, out, LJ_FRAME_ENTRY, ftsz, 0);
	}
	c->frame -= ftsz & ~7ULL;
	return 0;
}

/* The step must be verified once, not once per frame: followed frame by frame, even 8 frames of
 * it exceed the verifier's million instructions. With bpf_loop (Linux 5.17) it is the loop's
 * callback. Without (cpu-noloop.bpf.o), it is a global function, which the verifier checks once
 * on its own, called from a bounded loop; a global function sees only its scalar arguments and
 * maps, so that build keeps the walk's state and frames in a per-CPU map and copies the frames
 * into the record at the end. */
#ifdef FLUORO_NO_BPF_LOOP
struct lj_noloop {
	struct lj_step_ctx c;
	struct lj_frame out[LJ_MAX_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lj_noloop);
} lj_noloop SEC(".maps");

__noinline int lj_step_global(void)
{
	__u32 zero = 0;
	struct lj_noloop *st = bpf_map_lookup_elem(&lj_noloop, &zero);

	if (!st)
		return 1;
	return lj_step(&st->c, st->out);
}

/* The frames of one coroutine, as far as they go (or the walk's frames do). */
static __always_inline void lj_steps(struct lj_step_ctx *c)
{
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < LJ_MAX_FRAMES + 8; i++)
		if (lj_step_global())
			break;
}
#else
static long lj_step_cb(__u32 index, void *data)
{
	return lj_step(data, NULL);
}

/* The frames of one coroutine, as far as they go (or the walk's frames do). */
static __always_inline void lj_steps(struct lj_step_ctx *c)
{
	bpf_loop(LJ_MAX_FRAMES + 8, lj_step_cb, c, 0);
}
#endif

/* Walks the running coroutine's frames into `out` (LJ_MAX_FRAMES entries), leaf first. */
static __always_inline void lj_walk(struct lj_proc *p, const struct cpu_regs *regs,
				    struct lj_frame *out, struct lj_walk *w)
{
	const struct lj_layout *lay = &p->lay;
	__u64 G = p->G, L = 0, cf = 0, base = 0, stack = 0, maxstack = 0, top_pc = 0;
	__u64 trace_fnpc = 0;
	__s32 vmstate = 0;

	w->status = LJ_STATUS_READ_FAIL;
	if (!G)
		G = lj_learn_G(p, regs);
	if (!G) {
		w->status = LJ_STATUS_NO_G;
		return;
	}
	if (lj_read(&vmstate, 4, G + lay->G_vmstate) || lj_read(&L, 8, G + lay->G_cur_L))
		return;
	L &= LJ_GCMASK;
	w->L = L;
	w->vmstate = vmstate;
	if (lj_read(&cf, 8, L + lay->L_cframe))
		return;
	w->cframe = cf;
	if (!cf) {
		/* Not inside the VM on this coroutine: e.g. ngx_lua yielded it from C and waits. */
		w->status = LJ_STATUS_IDLE;
		return;
	}
	if (lj_read(&stack, 8, L + lay->L_stack) || lj_read(&maxstack, 8, L + lay->L_maxstack))
		return;
	stack &= LJ_GCMASK;
	maxstack &= LJ_GCMASK;
	lj_read(&w->top, 8, L + lay->L_top);

	if (vmstate >= 0 || vmstate == LJ_VMST_EXIT || vmstate == LJ_VMST_GC) {
		/* In a trace, leaving one, or collecting garbage from one: the trace's base. */
		lj_read(&base, 8, G + lay->G_jit_base);
	}
	if (vmstate >= 0 && base) {
		/* The bytecode position is the trace's start, if the frame is the trace's function. */
		__u64 traces = 0, trace = 0;
		__u32 size = 0;

		if (!lj_read(&traces, 8, G + lay->G_trace) && !lj_read(&size, 4, G + lay->G_sizetrace) &&
		    (__u32)vmstate < size && !lj_read(&trace, 8, (traces & LJ_GCMASK) + 8 * (__u64)vmstate) &&
		    trace) {
			__u64 startpt = 0, startpc = 0;

			trace &= LJ_GCMASK;
			if (!lj_read(&startpt, 8, trace + lay->tr_startpt) &&
			    !lj_read(&startpc, 8, trace + lay->tr_startpc)) {
				top_pc = startpc + 4;
				trace_fnpc = (startpt & LJ_GCMASK) + lay->proto_size;
			}
		}
	} else if (!base && vmstate == LJ_VMST_INTERP && regs->rip >= p->interp_start &&
		   regs->rip < p->interp_end && regs->rdx > stack && regs->rdx <= maxstack) {
		/* In the interpreter itself: BASE and PC live in registers. */
		base = regs->rdx;
		top_pc = regs->rbx;
	} else if (!base) {
		__u64 saved_pc = 0, saved_L = 0, c = cf & ~3ULL;

		if (lj_read(&base, 8, L + lay->L_base))
			return;
		/* A C function or helper called from the interpreter: the PC it saved, if any. */
		if (!lj_read(&saved_pc, 8, c + lay->cf_pc) && !lj_read(&saved_L, 8, c + lay->cf_L) &&
		    saved_pc != saved_L)
			top_pc = saved_pc;
	}
	if (base <= stack || base > maxstack) {
		w->status = LJ_STATUS_READ_FAIL;
		return;
	}

#ifdef FLUORO_NO_BPF_LOOP
	__u32 zero = 0;
	struct lj_noloop *st = bpf_map_lookup_elem(&lj_noloop, &zero);
	struct lj_step_ctx *c;
	struct lj_frame *frames;
	__u64 bytes;

	if (!st)
		return;
	c = &st->c;
	frames = st->out;
#endif
#define LJ_STEP_INIT						\
		.frame = base - 8,				\
		.bottom = stack + 8,				\
		.pc = top_pc,					\
		.trace_fnpc = trace_fnpc,			\
		.fn_ffid = lay->fn_ffid,			\
		.fn_pc = lay->fn_pc,				\
		.fn_cfunc = lay->fn_cfunc,			\
		.proto_size = lay->proto_size,			\
		.copy_slots = (p->flags & LJ_PROC_SLOTS) != 0
#ifdef FLUORO_NO_BPF_LOOP
	*c = (struct lj_step_ctx){ LJ_STEP_INIT };
#else
	/* Initialised where it is declared: assigned as a whole afterwards, the same context made
	 * the verifier walk past its million instructions on Linux 6.18. */
	struct lj_step_ctx ctx = { .out = out, LJ_STEP_INIT }, *c = &ctx;
	struct lj_frame *frames = out;
#endif
#undef LJ_STEP_INIT

	for (int level = 0; level < LJ_MAX_COROUTINES; level++) {
		__u64 resumer = 0, rcf = 0, rbase = 0;

		lj_steps(c);
		if (c->bad || c->frame > c->bottom || c->n >= LJ_MAX_FRAMES)
			break;
		/* The coroutine's frames are done. If Lua resumed it (coroutine.resume/wrap), the
		 * resumer's interpreter frame sits right above the coroutine's C frame on the
		 * machine stack, and it names the resumer's lua_State, whose own cframe must be
		 * that very frame. Anything else (resumed from C, as ngx_lua does) ends the walk. */
		cf = (cf & ~3ULL) + LJ_CFRAME_SIZE;
		if (lj_read(&resumer, 8, cf + lay->cf_L) || !resumer || resumer == L)
			break;
		if (lj_read(&rcf, 8, resumer + lay->L_cframe) || (rcf & ~3ULL) != cf)
			break;
		if (lj_read(&rbase, 8, resumer + lay->L_base) || lj_read(&stack, 8, resumer + lay->L_stack) ||
		    lj_read(&maxstack, 8, resumer + lay->L_maxstack))
			break;
		stack &= LJ_GCMASK;
		maxstack &= LJ_GCMASK;
		if (rbase <= stack || rbase > maxstack)
			break;
		lj_emit(c, frames, LJ_FRAME_ENTRY, 0, 0);
		L = resumer;
		cf = rcf;
		c->frame = rbase - 8;
		c->bottom = stack + 8;
		c->pc = 0;
		c->trace_fnpc = 0;
		c->skip = false;
	}
	w->nframes = c->n;
	w->slot_frames = c->slot_frames;
	w->bad = c->bad;
	w->status = (!c->bad && c->frame > c->bottom) ? LJ_STATUS_TRUNCATED : LJ_STATUS_OK;
#ifdef FLUORO_NO_BPF_LOOP
	bytes = (__u64)w->nframes * sizeof(struct lj_frame);
	asm volatile("" : "+r"(bytes));
	if (bytes > sizeof(st->out))
		bytes = sizeof(st->out);
	if (bytes && bpf_probe_read_kernel(out, bytes, st->out))
		w->nframes = 0;
#endif
}

#endif
