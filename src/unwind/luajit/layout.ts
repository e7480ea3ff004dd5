// Struct layouts of the LuaJIT builds fluoro understands, and their encoding for the BPF walker.
//
// The numbers were read off the sources of each version and checked on the real binaries (see
// docs/design and the project's LuaJIT notes). They are never trusted blindly: attach() validates
// them on the live process (G == main thread + sizeof(lua_State), G->mainthref and
// cur_L->glref pointing back) and refuses the process when they do not hold.

/** Field order and names mirror struct lj_layout in bpf/include/luajit.h. */
export interface LuaJitLayout {
  L_glref: number;
  L_base: number;
  L_stack: number;
  L_maxstack: number;
  L_cframe: number;
  L_exdata: number;
  G_vmstate: number;
  G_mainthref: number;
  G_cur_L: number;
  G_jit_base: number;
  fn_ffid: number;
  fn_pc: number;
  fn_cfunc: number;
  proto_size: number;
  cf_pc: number;
  cf_L: number;
  G_trace: number;
  G_sizetrace: number;
  tr_startpt: number;
  tr_startpc: number;
  L_size: number;
  dispatch: number;
  L_top: number;
}

export const LAYOUT_FIELDS: readonly (keyof LuaJitLayout)[] = [
  'L_glref', 'L_base', 'L_stack', 'L_maxstack', 'L_cframe', 'L_exdata',
  'G_vmstate', 'G_mainthref', 'G_cur_L', 'G_jit_base',
  'fn_ffid', 'fn_pc', 'fn_cfunc', 'proto_size',
  'cf_pc', 'cf_L', 'G_trace', 'G_sizetrace', 'tr_startpt', 'tr_startpc',
  'L_size', 'dispatch', 'L_top',
];

/** Offsets of GCproto fields used when symbolizing (userspace only). */
export interface ProtoLayout {
  sizebc: number;
  k: number;
  sizekgc: number;
  sizept: number;
  sizeuv: number;
  chunkname: number;
  firstline: number;
  numline: number;
  lineinfo: number;
  uvinfo: number;
  varinfo: number;
  /** GCstr: length (u32) and where the bytes start. */
  str_len: number;
  str_data: number;
}

export interface LuaJitBuild {
  /** For people: "OpenResty LuaJIT2 2.1-20230119 (GC64)". */
  name: string;
  gc64: boolean;
  layout: LuaJitLayout;
  proto: ProtoLayout;
}

/** OpenResty's LuaJIT2 v2.1-20230119 on x86_64, GC64 (Debian bookworm: libluajit2, luajit2). */
export const OPENRESTY_2_1_20230119_GC64: LuaJitBuild = {
  name: 'OpenResty LuaJIT2 2.1-20230119 (GC64)',
  gc64: true,
  layout: {
    L_glref: 0x10,
    L_base: 0x20,
    L_stack: 0x38,
    L_maxstack: 0x30,
    L_cframe: 0x50,
    L_exdata: 0x60,
    G_vmstate: 0xb8,
    G_mainthref: 0xc0,
    G_cur_L: 0x170,
    G_jit_base: 0x178,
    fn_ffid: 0x0a,
    fn_pc: 0x20,
    fn_cfunc: 0x28,
    proto_size: 0x68,
    cf_pc: 24,
    cf_L: 16,
    G_trace: 0x460,
    G_sizetrace: 0x46c,
    tr_startpt: 0x40,
    tr_startpc: 0x48,
    L_size: 0x70,
    dispatch: 0xfa8,
    L_top: 0x28,
  },
  proto: {
    sizebc: 0x0c,
    k: 0x20,
    sizekgc: 0x30,
    sizept: 0x38,
    sizeuv: 0x3c,
    chunkname: 0x40,
    firstline: 0x48,
    numline: 0x4c,
    lineinfo: 0x50,
    uvinfo: 0x58,
    varinfo: 0x60,
    str_len: 0x14,
    str_data: 0x18,
  },
};

/** Builds by GNU build-id. Both Debian bookworm binaries come from one source and configuration. */
export const BUILDS_BY_ID: ReadonlyMap<string, LuaJitBuild> = new Map([
  ['0a6563c55d870716908fd332f88bf7cdd9bc6a71', OPENRESTY_2_1_20230119_GC64], // libluajit-5.1.so.2.1.0
  ['3e3d615119e82f1b42bd151e94701750bfd15a9d', OPENRESTY_2_1_20230119_GC64], // /usr/bin/luajit
]);

/** sizeof(struct lj_proc) in bpf/include/luajit.h. */
export const LJ_PROC_SIZE = 80;
/** offsetof(struct lj_proc, uri_off). */
export const LJ_PROC_URI_OFF = 32 + 2 * 23;
export const LJ_FRAME_SIZE = 24;
export const LJ_MAX_FRAMES = 64;
/** Slots copied per frame with LJ_PROC_SLOTS, from the function slot (base - 2) on. */
export const LJ_SLOTS = 34;
export const LJ_SLOT_FRAMES = 8;
export const LJ_PROC_SLOTS = 1;

export const LjFrameKind = { lua: 1, c: 2, fast: 3, entry: 4, bad: 5 } as const;
export const LjStatus = { none: 0, ok: 1, idle: 2, noG: 3, readFail: 4, truncated: 5 } as const;

/** The value of the walker's per-process map entry (struct lj_proc). */
export function encodeProc(p: {
  interpStart: bigint;
  interpEnd: bigint;
  G: bigint;
  vmTid: number;
  flags?: number;
  /** nginx: offset of the request's `uri` in ngx_http_request_t, 0 when unknown. */
  uriOff?: number;
  layout: LuaJitLayout;
}): Buffer {
  const b = Buffer.alloc(LJ_PROC_SIZE);
  b.writeBigUInt64LE(p.interpStart, 0);
  b.writeBigUInt64LE(p.interpEnd, 8);
  b.writeBigUInt64LE(p.G, 16);
  b.writeUInt32LE(p.vmTid, 24);
  b.writeUInt32LE(p.flags ?? 0, 28);
  LAYOUT_FIELDS.forEach((f, i) => b.writeUInt16LE(p.layout[f], 32 + 2 * i));
  b.writeUInt16LE(p.uriOff ?? 0, LJ_PROC_URI_OFF);
  return b;
}
