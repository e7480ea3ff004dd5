/* Shared between the BPF LuaJIT stack walker (bpf/luajit_walk.h) and src/unwind/luajit/: the
 * struct layout of one LuaJIT build, what userspace tells the kernel about one process, and the
 * frames the walker records. Checked against the TypeScript side (src/unwind/luajit/layout.ts) by
 * src/unwind/luajit/layout.test.ts, which compiles it with the host compiler, like cpu.h. */
#ifndef FLUORO_LUAJIT_H
#define FLUORO_LUAJIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LJ_MAX_FRAMES 64
#define LJ_MAX_PROCS 4096
#define LJ_MAX_COROUTINES 4  /* coroutines resumed from Lua, followed into their resumers */
#define LJ_CFRAME_SIZE 80    /* the interpreter's C frame on x86_64 */

/* Field offsets (bytes) of one LuaJIT build. Every build fluoro accepts is described by one of
 * these, chosen and validated by userspace; the walker assumes nothing else about the build. */
struct lj_layout {
	/* lua_State */
	__u16 L_glref, L_base, L_stack, L_maxstack, L_cframe, L_exdata;
	/* global_State */
	__u16 G_vmstate, G_mainthref, G_cur_L, G_jit_base;
	/* GCfunc, GCproto */
	__u16 fn_ffid, fn_pc, fn_cfunc, proto_size;
	/* C frame saved by the interpreter on entry (at L->cframe & ~3) */
	__u16 cf_pc, cf_L;
	/* From G: the trace array J->trace (GCRef[]) and its size */
	__u16 G_trace, G_sizetrace;
	/* GCtrace */
	__u16 tr_startpt, tr_startpc;
	__u16 L_size;        /* sizeof(lua_State): in GG_State, G = main lua_State + L_size */
	__u16 dispatch;      /* G + dispatch = the interpreter's DISPATCH register (r14) */
	__u16 L_top;
};

/* What userspace tells the walker about one process (key: tgid). */
struct lj_proc {
	__u64 interp_start;  /* the interpreter's machine code, process addresses [start, end) */
	__u64 interp_end;
	__u64 G;             /* global_State; 0 until known (the walker may learn it from r14) */
	__u32 vm_tid;        /* the thread the VM runs on; 0 = the main thread */
	__u32 flags;         /* LJ_PROC_* */
	struct lj_layout lay;
	__u16 uri_off;       /* nginx: offset of `uri` (ngx_str_t) in the request (L->exdata); 0 = unknown */
};

#define LJ_URI_MAX 96        /* bytes of the request's URI copied per sample */

#define LJ_PROC_SLOTS 1      /* copy each Lua frame's stack slots (for local variables) */

/* With LJ_PROC_SLOTS, the slots of the innermost LJ_SLOT_FRAMES Lua frames are copied at the
 * sample: from the frame's function slot (base - 2 slots) through LJ_SLOTS slots. */
#define LJ_SLOT_FRAMES 8
#define LJ_SLOTS 34
struct lj_slots {
	__u64 v[LJ_SLOT_FRAMES][LJ_SLOTS];
};

/* Frame kinds recorded by the walker. */
#define LJ_FRAME_LUA 1       /* ptr = GCproto*, pc = bytecode position (-1: unknown) */
#define LJ_FRAME_C 2         /* ptr = the C function's address */
#define LJ_FRAME_FAST 3      /* ptr = GCfunc*, pc = fast function id (builtin#N) */
#define LJ_FRAME_ENTRY 4     /* boundary: the frames above were entered from C (lua_call, pcall) */
#define LJ_FRAME_BAD 5       /* the walk met a slot it could not read as a frame: it stopped */

struct lj_frame {
	__u64 ptr;
	__u64 base;          /* LJ_FRAME_LUA: the frame's base (its first slot) */
	__u32 pc;
	__u8 kind;
	__u8 slots;          /* LJ_FRAME_LUA: 1 + index into the copied slots, 0 when not copied */
	__u8 pad[2];
};

/* LuaJIT's section of a CPU record (CPU_SECTION_LUAJIT in cpu.h): the walk's state, then `frames`
 * struct lj_frame, `slot_frames` copies of LJ_SLOTS slot values (u64) and `uri_len` bytes of the
 * request's URI. */
struct lj_section {
	__u64 L;             /* the running lua_State */
	__u64 cframe;        /* its C frame: where the VM was entered from C */
	__u64 top;           /* L->top: the end of the innermost frame's slots */
	__s32 vmstate;
	__u16 frames;
	__u8 status;         /* LJ_STATUS_* */
	__u8 slot_frames;
	__u64 request;       /* L->exdata: for ngx_lua, the request (ngx_http_request_t *) */
	__u16 uri_len;
	__u16 pad[3];
};

/* lj_section.status */
#define LJ_STATUS_NONE 0       /* not a LuaJIT process, or not its VM thread */
#define LJ_STATUS_OK 1         /* frames recorded */
#define LJ_STATUS_IDLE 2       /* the VM is not running Lua on this thread (cframe is NULL) */
#define LJ_STATUS_NO_G 3       /* global_State not known yet */
#define LJ_STATUS_READ_FAIL 4  /* reading the VM's state faulted */
#define LJ_STATUS_TRUNCATED 5  /* more frames than LJ_MAX_FRAMES */

/* vmstate values (global_State.vmstate): >= 0 is a trace number. */
#define LJ_VMST_INTERP (-1)
#define LJ_VMST_C (-2)
#define LJ_VMST_GC (-3)
#define LJ_VMST_EXIT (-4)
#define LJ_VMST_RECORD (-5)
#define LJ_VMST_OPT (-6)
#define LJ_VMST_ASM (-7)

#endif
