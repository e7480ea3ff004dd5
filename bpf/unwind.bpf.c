// SPDX-License-Identifier: GPL-2.0
/* The in-kernel table unwinder (opt-in: `fluoro cpu --unwinder kernel`). On each CPU-clock sample
 * of a target process it walks the user stack right here, frame by frame, with the unwind tables
 * userspace compiled from .eh_frame (src/elf/unwind-table.ts) and loaded into maps, and emits only
 * addresses: the kernel stack and the user pcs. Layouts in include/unwind.h.
 *
 * Per frame: find the mapping holding the pc (binary search of the process's sorted executable
 * mappings), then the last table row at or below the pc's file address (binary search of the
 * file's rows), then apply its rule. Every step is bounded; every stop says why, and every early
 * exit of the program is counted by reason (include/unwind.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "unwind.h"

#define PROLOGUE_COUNTERS UNWIND_COUNTER_COUNT
#include "prologue.h"

#define MAX_FRAME_BYTES (1ULL << 24)       /* a frame larger than this is damage, not a frame */
#define RECORD_FRAMES (UNWIND_MAX_KERNEL_FRAMES + UNWIND_MAX_FRAMES)
#define RECORD_SLOTS 512                   /* a power of two above RECORD_FRAMES: indexes are masked */
#define DWARF_RBP 6
#define DWARF_RSP 7
#define UCONTEXT_GREGS 40                  /* uc_flags, uc_link, uc_stack */

_Static_assert(sizeof(struct unwind_sample) == 48, "record header layout");
_Static_assert(sizeof(struct unwind_rule) == 12, "rule layout");
_Static_assert(RECORD_FRAMES < RECORD_SLOTS && (RECORD_SLOTS & (RECORD_SLOTS - 1)) == 0, "frames index mask");
_Static_assert((UNWIND_MAX_MAPPINGS & (UNWIND_MAX_MAPPINGS - 1)) == 0, "mapping index mask");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UNWIND_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct unwind_proc);
} procs SEC(".maps");

/* max_entries of the three table maps are set by userspace before load, to what it compiled. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwind_row_chunk);
} rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwind_rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwind_file);
} files SEC(".maps");

struct record {
	struct unwind_sample s;
	__u64 frames[RECORD_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} samples SEC(".maps");

/* The walk's state, on the program's stack, handed to every step. */
struct walk {
	__u64 rip, rsp, rbp;
	__u64 regs[16];                    /* DWARF order; all valid only while `gprs` is set */
	struct unwind_proc *proc;
	struct record *rec;
	/* The mapping of the previous frame: most callers live in the same file as their callee. */
	__u64 map_start, map_end, map_bias;
	__u32 map_file;
	__u32 base;                        /* rec->frames index of the first user pc */
	__u32 n;                           /* user pcs written */
	__u8 end;
	__u8 exact;                        /* rip is exact (leaf, or interrupted by a signal) */
	__u8 gprs;
	__u8 rbp_known;
};

/* DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15. */
#define REGS_TO_WALK(w, src)				\
	do {						\
		(w)->regs[0] = (src)->ax;		\
		(w)->regs[1] = (src)->dx;		\
		(w)->regs[2] = (src)->cx;		\
		(w)->regs[3] = (src)->bx;		\
		(w)->regs[4] = (src)->si;		\
		(w)->regs[5] = (src)->di;		\
		(w)->regs[6] = (src)->bp;		\
		(w)->regs[7] = (src)->sp;		\
		(w)->regs[8] = (src)->r8;		\
		(w)->regs[9] = (src)->r9;		\
		(w)->regs[10] = (src)->r10;		\
		(w)->regs[11] = (src)->r11;		\
		(w)->regs[12] = (src)->r12;		\
		(w)->regs[13] = (src)->r13;		\
		(w)->regs[14] = (src)->r14;		\
		(w)->regs[15] = (src)->r15;		\
		(w)->rip = (src)->ip;			\
	} while (0)

/* Loads through the perf context are rewritten by the verifier; kept apart from kernel-pointer
 * loads so the compiler cannot merge the two. */
static __noinline void regs_from_context(struct walk *w, struct bpf_perf_event_data *ctx)
{
	REGS_TO_WALK(w, &ctx->regs);
}

static __noinline void regs_from_task(struct walk *w, struct pt_regs *regs)
{
	REGS_TO_WALK(w, regs);
}


struct mapping_search {
	struct unwind_proc *proc;
	__u64 addr;
	__u32 lo, hi;
};

/* One halving of [lo, hi) towards the first mapping starting above addr (under bpf_loop). */
static long mapping_search_step(__u32 i, void *data)
{
	struct mapping_search *s = data;
	__u32 mid;

	if (s->lo >= s->hi || !s->proc)
		return 1;
	mid = s->lo + (s->hi - s->lo) / 2;
	if (mid >= UNWIND_MAX_MAPPINGS)
		return 1;
	if (s->proc->mappings[mid].start <= s->addr)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

/* The mapping holding addr: the last one starting at or below it, if it also ends above it. */
static __noinline struct unwind_mapping *find_mapping(struct unwind_proc *p, __u64 addr)
{
	struct mapping_search s = { .proc = p, .addr = addr };
	__u32 at;

	if (!p)
		return NULL;
	s.hi = p->count;
	if (s.hi > UNWIND_MAX_MAPPINGS)
		s.hi = UNWIND_MAX_MAPPINGS;
	bpf_loop(UNWIND_MAPPING_SEARCH_STEPS, mapping_search_step, &s, 0);
	if (s.lo == 0 || s.lo > UNWIND_MAX_MAPPINGS)
		return NULL;
	at = s.lo - 1;
	asm volatile("" : "+r"(at));
	at &= UNWIND_MAX_MAPPINGS - 1;
	if (addr >= p->mappings[at].end)
		return NULL;
	return &p->mappings[at];
}

static __always_inline struct unwind_row *row_at(__u32 index)
{
	__u32 chunk = index / UNWIND_ROWS_PER_CHUNK;
	struct unwind_row_chunk *c = bpf_map_lookup_elem(&rows, &chunk);

	if (!c)
		return NULL;
	return &c->rows[index & (UNWIND_ROWS_PER_CHUNK - 1)];
}

struct row_search {
	__u32 lo, hi, vaddr, failed;
};

/* One halving of [lo, hi) towards the first row above vaddr. Run under bpf_loop, so the verifier
 * checks it once rather than every path through an unrolled search. */
static long row_search_step(__u32 i, void *data)
{
	struct row_search *s = data;
	struct unwind_row *row;
	__u32 mid;

	if (s->lo >= s->hi)
		return 1;
	mid = s->lo + (s->hi - s->lo) / 2;
	row = row_at(mid);
	if (!row) {
		s->failed = 1;
		return 1;
	}
	if (row->pc <= s->vaddr)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

/* The rule of the last row of file `file_id` at or below vaddr; -1 when there is none. */
static __noinline __s64 find_rule(__u32 file_id, __u32 vaddr)
{
	struct unwind_file *f = bpf_map_lookup_elem(&files, &file_id);
	struct row_search s = {};
	struct unwind_row *row;

	if (!f)
		return -1;
	s.lo = f->first_row;
	s.hi = f->first_row + f->row_count;
	s.vaddr = vaddr;
	bpf_loop(UNWIND_ROW_SEARCH_STEPS, row_search_step, &s, 0);
	if (s.failed || s.lo == f->first_row)
		return -1;
	row = row_at(s.lo - 1);
	if (!row)
		return -1;
	return row->rule;
}

static __always_inline int read_user_u64(__u64 *out, __u64 addr)
{
	return bpf_probe_read_user(out, sizeof(*out), (void *)addr);
}

/* The caller's registers from the ucontext a signal handler's frame points at. */
static __always_inline int signal_step(struct walk *w)
{
	__u64 g[17];                       /* r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip */

	if (bpf_probe_read_user(g, sizeof(g), (void *)(w->rsp + UCONTEXT_GREGS)))
		return UNWIND_END_STACK_TRUNCATED;
	w->regs[0] = g[13];
	w->regs[1] = g[12];
	w->regs[2] = g[14];
	w->regs[3] = g[11];
	w->regs[4] = g[9];
	w->regs[5] = g[8];
	w->regs[6] = g[10];
	w->regs[7] = g[15];
	for (int i = 0; i < 8; i++)
		w->regs[8 + i] = g[i];
	w->rip = g[16];
	w->rsp = g[15];
	w->rbp = g[10];
	w->rbp_known = 1;
	w->gprs = 1;
	w->exact = 1;
	return -1;
}

/* One frame: record the pc, then find the caller's rip, rsp and rbp. 1 stops the loop. */
static long step(__u32 i, void *data)
{
	struct walk *w = data;
	struct unwind_mapping *m;
	struct unwind_rule *rule;
	__u64 at, vaddr, base, cfa, ra, slot, saved;
	__u32 index, rule_index;
	__s64 found;
	int r;

	if (w->rip == 0) {
		w->end = UNWIND_END_ROOT;
		return 1;
	}
	if (w->n >= UNWIND_MAX_FRAMES) {
		w->end = UNWIND_END_MAX_DEPTH;
		return 1;
	}
	index = w->base + w->n;
	if (index >= RECORD_FRAMES || !w->rec || !w->proc) {
		w->end = UNWIND_END_MAX_DEPTH;
		return 1;
	}
	/* Hidden from the compiler, which would drop the mask as redundant; the verifier needs it. */
	asm volatile("" : "+r"(index));
	w->rec->frames[index & (RECORD_SLOTS - 1)] = w->rip | (w->exact ? UNWIND_PC_EXACT : 0);
	w->n++;

	at = w->exact ? w->rip : w->rip - 1;
	if (at < w->map_start || at >= w->map_end) {
		m = find_mapping(w->proc, at);
		if (!m) {
			w->end = UNWIND_END_NO_MODULE;
			return 1;
		}
		w->map_start = m->start;
		w->map_end = m->end;
		w->map_bias = m->bias;
		w->map_file = m->file_id;
	}
	vaddr = at - w->map_bias;
	if (vaddr > 0xffffffffULL) {
		w->end = UNWIND_END_NO_CFI;
		return 1;
	}
	found = find_rule(w->map_file, (__u32)vaddr);
	if (found < 0) {
		w->end = UNWIND_END_NO_CFI;
		return 1;
	}
	rule_index = (__u32)found;
	rule = bpf_map_lookup_elem(&rules, &rule_index);
	if (!rule || rule->cfa_kind == UNWIND_CFA_NONE) {
		w->end = UNWIND_END_NO_CFI;
		return 1;
	}

	switch (rule->cfa_kind) {
	case UNWIND_CFA_SIGNAL:
		r = signal_step(w);
		if (r >= 0) {
			w->end = r;
			return 1;
		}
		return 0;
	case UNWIND_CFA_REG:
	case UNWIND_CFA_DEREF:
		if (rule->cfa_reg == DWARF_RSP)
			base = w->rsp;
		else if (rule->cfa_reg == DWARF_RBP && w->rbp_known)
			base = w->rbp;
		else if (w->gprs && rule->cfa_reg < 16)
			base = w->regs[rule->cfa_reg & 15];
		else {
			w->end = UNWIND_END_UNSUPPORTED_RULE;
			return 1;
		}
		cfa = base + (__s64)rule->cfa_offset;
		if (rule->cfa_kind == UNWIND_CFA_DEREF && read_user_u64(&cfa, cfa)) {
			w->end = UNWIND_END_STACK_TRUNCATED;
			return 1;
		}
		break;
	case UNWIND_CFA_PLT:
		cfa = w->rsp + (__s64)rule->cfa_offset + ((w->rip & 15) >= rule->cfa_reg ? 8 : 0);
		break;
	default:
		w->end = UNWIND_END_UNSUPPORTED_RULE;
		return 1;
	}

	if (cfa <= w->rsp || cfa - w->rsp > MAX_FRAME_BYTES) {
		w->end = UNWIND_END_BAD_CFA;
		return 1;
	}
	if (rule->ra_kind == UNWIND_RA_UNDEFINED) {
		w->end = UNWIND_END_ROOT;
		return 1;
	}
	if (rule->ra_kind != UNWIND_RA_AT_CFA) {
		w->end = UNWIND_END_UNSUPPORTED_RULE;
		return 1;
	}
	slot = cfa + (__s64)rule->rbp_offset;
	if (rule->rbp_kind == UNWIND_RBP_AT_CFA && rule->rbp_offset + 8 == rule->ra_offset && slot >= w->rsp) {
		/* The usual prologue (push %rbp right after the call): both slots in one read. */
		__u64 pair[2];

		if (bpf_probe_read_user(pair, sizeof(pair), (void *)slot)) {
			w->end = UNWIND_END_STACK_TRUNCATED;
			return 1;
		}
		w->rbp = pair[0];
		w->rbp_known = 1;
		w->rsp = cfa;
		w->rip = pair[1];
		w->gprs = 0;
		w->exact = 0;
		return 0;
	}
	if (read_user_u64(&ra, cfa + (__s64)rule->ra_offset)) {
		w->end = UNWIND_END_STACK_TRUNCATED;
		return 1;
	}
	if (rule->rbp_kind == UNWIND_RBP_AT_CFA) {
		/* An epilogue's rows still name rbp's save slot after `pop %rbp`; a slot below rsp has
		 * been popped already, so rbp holds the caller's value (as in src/unwind/native.ts). */
		if (slot >= w->rsp) {
			if (read_user_u64(&saved, slot)) {
				w->end = UNWIND_END_STACK_TRUNCATED;
				return 1;
			}
			w->rbp = saved;
			w->rbp_known = 1;
		}
	} else if (rule->rbp_kind == UNWIND_RBP_UNKNOWN) {
		w->rbp_known = 0;
	}
	w->rsp = cfa;
	w->rip = ra;
	w->gprs = 0;
	w->exact = 0;
	return 0;
}

SEC("perf_event")
int unwind_cpu(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, zero = 0, length, total;
	struct unwind_proc *proc;
	struct record *rec;
	struct walk w = {};
	long n;

	count(UNWIND_COUNTER_SEEN);
	proc = tgid ? bpf_map_lookup_elem(&procs, &tgid) : NULL;
	if (!proc || !user_task(task, tgid))
		return leave(UNWIND_COUNTER_FILTERED);
	rec = bpf_map_lookup_elem(&scratch, &zero);
	if (!rec)
		return leave(UNWIND_COUNTER_NO_SCRATCH);

	rec->s.time_ns = bpf_ktime_get_ns();
	rec->s.pid = tgid;
	rec->s.tid = (__u32)id;
	rec->s.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(rec->s.comm, sizeof(rec->s.comm));
	rec->s.kernel_frames = 0;
	if ((read_cs(ctx) & 3) == 3) {
		rec->s.flags = 0;
		regs_from_context(&w, ctx);
	} else {
		/* In the kernel on behalf of the process: its user registers were saved on entry. */
		rec->s.flags = UNWIND_FLAG_KERNEL_MODE;
		regs_from_task(&w, (struct pt_regs *)bpf_task_pt_regs(task));
		n = bpf_get_stack(ctx, rec->frames, UNWIND_MAX_KERNEL_FRAMES * 8, 0);
		if (n > 0 && n <= UNWIND_MAX_KERNEL_FRAMES * 8)
			rec->s.kernel_frames = n / 8;
		else
			count(UNWIND_COUNTER_KERNEL_STACK);
	}

	w.rsp = w.regs[DWARF_RSP];
	w.rbp = w.regs[DWARF_RBP];
	w.rbp_known = 1;
	w.gprs = 1;
	w.exact = 1;
	w.proc = proc;
	w.rec = rec;
	w.base = rec->s.kernel_frames;
	w.end = UNWIND_END_MAX_DEPTH;
	bpf_loop(UNWIND_MAX_FRAMES + 1, step, &w, 0);

	rec->s.user_frames = w.n;
	rec->s.end = w.end;
	if (w.end == UNWIND_END_STACK_TRUNCATED)
		count(UNWIND_COUNTER_STACK_READ);
	else if (w.end == UNWIND_END_MAX_DEPTH)
		count(UNWIND_COUNTER_MAX_DEPTH);
	total = w.base + w.n;
	if (total > RECORD_FRAMES)
		return leave(UNWIND_COUNTER_BOUNDS);
	length = sizeof(struct unwind_sample) + total * 8;
	/* The compiler may check one copy of the length and pass another; the verifier needs to see
	 * the bound on the one passed. */
	asm volatile("" : "+r"(length));
	if (length > sizeof(*rec))
		return leave(UNWIND_COUNTER_BOUNDS);
	if (bpf_ringbuf_output(&samples, rec, length, 0))
		return leave(UNWIND_COUNTER_DROPPED);
	count(UNWIND_COUNTER_RECORDED);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
