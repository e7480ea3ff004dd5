// Decoding of the records bpf/cpu.bpf.c writes (struct cpu_sample in bpf/include/cpu.h, then
// kernel frames, frame-pointer user frames and the user stack window). The constants mirror the
// header; record.test.ts compiles the header and fails on any drift.

export const CPU_MAX_FRAMES = 127;
export const CPU_MAX_STACK_BYTES = 32768;
export const CPU_DEFAULT_STACK_BYTES = 16384;
export const CPU_PAGE_SIZE = 4096;
export const CPU_MAX_TARGETS = 1024;
export const CPU_LUA_FRAME_BYTES = 64 * 24;
export const CPU_LUA_SLOT_BYTES = 8 * 34 * 8;
export const CPU_LUA_URI_BYTES = 96;
export const CPU_FLAG_KERNEL_MODE = 1;
export const CPU_FLAG_STACK_HOLES = 2;

/** Index of each counter in the per-CPU `counters` map. */
export const CpuCounter = { seen: 0, recorded: 1, dropped: 2, filtered: 3 } as const;
export const CPU_COUNTER_COUNT = 4;

/** Register order in struct cpu_regs; each is a u64 at index × 8. */
export const REGISTER_NAMES = [
  'rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
] as const;
export type RegisterName = (typeof REGISTER_NAMES)[number];
export type Registers = Record<RegisterName, bigint>;

/** Byte offsets in struct cpu_sample, and its size. */
export const CpuSampleLayout = {
  timeNs: 0,
  pid: 8,
  tid: 12,
  cpu: 16,
  flags: 20,
  comm: 24,
  commBytes: 16,
  regs: 40,
  kernelFrames: 176,
  userFrames: 178,
  stackBytes: 180,
  luaL: 184,
  luaCframe: 192,
  luaTop: 200,
  luaVmstate: 208,
  luaFrames: 212,
  luaStatus: 214,
  luaSlotFrames: 215,
  luaRequest: 216,
  luaUriLen: 224,
  size: 232,
} as const;

/** One frame of the BPF LuaJIT walk (struct lj_frame in bpf/include/luajit.h). */
export interface LuaRawFrame {
  kind: number;
  ptr: bigint;
  /** Lua frames: the frame's base (address of its first slot). */
  base: bigint;
  pc: number;
  /** Lua frames: index into LuaWalk.slots + 1, or 0 when its slots were not copied. */
  slots: number;
}

/** What the BPF LuaJIT walker saw at the sample. */
export interface LuaWalk {
  /** LJ_STATUS_* (see src/unwind/luajit/layout.ts, LjStatus). */
  status: number;
  L: bigint;
  cframe: bigint;
  vmstate: number;
  /** Leaf first. */
  frames: LuaRawFrame[];
  /** L->top: where the innermost frame's slots end. */
  top: bigint;
  /** Slot values copied at the sample: from each frame's function slot (base - 2) on. */
  slots: bigint[][];
  /** L->exdata: for ngx_lua, the request the coroutine serves (0 when none). */
  request: bigint;
  /** The request's URI as copied at the sample (nginx, once its layout is known), else undefined. */
  uri: string | undefined;
}

const LUA_FRAME_BYTES = 24;
const LUA_MAX_FRAMES = CPU_LUA_FRAME_BYTES / LUA_FRAME_BYTES;
const LUA_SLOTS = 34;
const LUA_SLOT_FRAMES = CPU_LUA_SLOT_BYTES / (LUA_SLOTS * 8);

/** One CPU sample as captured, before any unwinding or symbolization. */
export interface RawSample {
  pid: number;
  tid: number;
  cpu: number;
  /** CLOCK_MONOTONIC nanoseconds. */
  timeNs: bigint;
  comm: string;
  /** The sample interrupted kernel code (regs are then the user registers saved on entry). */
  kernelMode: boolean;
  regs: Registers;
  /** Kernel return addresses, innermost first; empty unless kernel stacks were requested. */
  kernelStack: bigint[];
  /** User addresses from the frame-pointer walk, innermost first (often one frame deep). */
  fpStack: bigint[];
  /** The user stack from regs.rsp upward, up to the end of the last readable page in the window. */
  stack: Buffer;
  /** Some pages inside `stack` could not be read and are zeros (untouched stack memory is). */
  stackHoles: boolean;
  /** The LuaJIT walk; status 0 (none) for processes without a VM fluoro was told about. */
  lua: LuaWalk;
}

/** Decodes one record; undefined when it is malformed (sizes that disagree or exceed limits). */
export function decodeCpuSample(data: Uint8Array): RawSample | undefined {
  const L = CpuSampleLayout;
  if (data.length < L.size) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const kernelFrames = view.getUint16(L.kernelFrames, true);
  const userFrames = view.getUint16(L.userFrames, true);
  const stackBytes = view.getUint32(L.stackBytes, true);
  const luaFrames = view.getUint16(L.luaFrames, true);
  const luaSlotFrames = view.getUint8(L.luaSlotFrames);
  const uriLen = view.getUint16(L.luaUriLen, true);
  if (kernelFrames > CPU_MAX_FRAMES || userFrames > CPU_MAX_FRAMES || stackBytes > CPU_MAX_STACK_BYTES) return undefined;
  if (luaFrames > LUA_MAX_FRAMES || luaSlotFrames > LUA_SLOT_FRAMES || uriLen > CPU_LUA_URI_BYTES) return undefined;
  const kernelAt = L.size;
  const userAt = kernelAt + kernelFrames * 8;
  const luaAt = userAt + userFrames * 8;
  const slotsAt = luaAt + luaFrames * LUA_FRAME_BYTES;
  const uriAt = slotsAt + luaSlotFrames * LUA_SLOTS * 8;
  const stackAt = uriAt + uriLen;
  if (stackAt + stackBytes !== data.length) return undefined;

  const regs = {} as Registers;
  REGISTER_NAMES.forEach((name, i) => {
    regs[name] = view.getBigUint64(L.regs + i * 8, true);
  });
  const comm = Buffer.from(data.buffer, data.byteOffset + L.comm, L.commBytes);
  const nul = comm.indexOf(0);
  const flags = view.getUint32(L.flags, true);
  return {
    pid: view.getUint32(L.pid, true),
    tid: view.getUint32(L.tid, true),
    cpu: view.getUint32(L.cpu, true),
    timeNs: view.getBigUint64(L.timeNs, true),
    comm: comm.toString('utf8', 0, nul < 0 ? L.commBytes : nul),
    kernelMode: (flags & CPU_FLAG_KERNEL_MODE) !== 0,
    regs,
    kernelStack: readAddresses(view, kernelAt, kernelFrames),
    fpStack: readAddresses(view, userAt, userFrames),
    stack: Buffer.from(data.subarray(stackAt, stackAt + stackBytes)),
    stackHoles: (flags & CPU_FLAG_STACK_HOLES) !== 0,
    lua: {
      status: view.getUint8(L.luaStatus),
      L: view.getBigUint64(L.luaL, true),
      cframe: view.getBigUint64(L.luaCframe, true),
      vmstate: view.getInt32(L.luaVmstate, true),
      frames: readLuaFrames(view, luaAt, luaFrames),
      top: view.getBigUint64(L.luaTop, true),
      slots: readSlots(view, slotsAt, luaSlotFrames),
      request: view.getBigUint64(L.luaRequest, true),
      uri: uriLen > 0 ? Buffer.from(data.subarray(uriAt, uriAt + uriLen)).toString('latin1') : undefined,
    },
  };
}

function readLuaFrames(view: DataView, at: number, count: number): LuaRawFrame[] {
  const out: LuaRawFrame[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + i * LUA_FRAME_BYTES;
    out.push({
      ptr: view.getBigUint64(o, true),
      base: view.getBigUint64(o + 8, true),
      pc: view.getUint32(o + 16, true),
      kind: view.getUint8(o + 20),
      slots: view.getUint8(o + 21),
    });
  }
  return out;
}

function readSlots(view: DataView, at: number, frames: number): bigint[][] {
  const out: bigint[][] = [];
  for (let f = 0; f < frames; f++) {
    const slots: bigint[] = [];
    for (let i = 0; i < LUA_SLOTS; i++) slots.push(view.getBigUint64(at + (f * LUA_SLOTS + i) * 8, true));
    out.push(slots);
  }
  return out;
}

function readAddresses(view: DataView, at: number, count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(view.getBigUint64(at + i * 8, true));
  return out;
}
