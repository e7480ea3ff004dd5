// Decoding of the records bpf/cpu.bpf.c writes (struct cpu_sample in bpf/include/cpu.h, then
// kernel frames, frame-pointer user frames and the user stack window). The constants mirror the
// header; record.test.ts compiles the header and fails on any drift.
import type { ExitIndexes } from './exits.js';

import { REGISTER_NAMES, type LuaRawFrame, type RawSample, type Registers } from '../../unwind/sample.js';

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
export const CPU_FLAG_NO_USER_REGS = 4;

/** Index of each reason counter in the per-CPU `counters` map, by name (see exits.ts). */
export const CpuExit = {
  'ring-full': 2,
  filtered: 3,
  'no-scratch': 4,
  bounds: 5,
  'too-long': 6,
  'kernel-stack': 7,
  'fp-stack': 8,
  'user-stack': 9,
  'part-bounds': 10,
  'lua-no-g': 11,
  'lua-read': 12,
  'lua-bad-frame': 13,
  'lua-truncated': 14,
  'lua-slots': 15,
  'lua-uri': 16,
  'no-user-regs': 17,
} as const satisfies ExitIndexes;
/** The counters map: runs of the program, and the reasons it left early. */
export const CpuCounter = { seen: 0, recorded: 1, exits: CpuExit } as const;
export const CPU_COUNTER_COUNT = 18;

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

const LUA_FRAME_BYTES = 24;
const LUA_MAX_FRAMES = CPU_LUA_FRAME_BYTES / LUA_FRAME_BYTES;
const LUA_SLOTS = 34;
const LUA_SLOT_FRAMES = CPU_LUA_SLOT_BYTES / (LUA_SLOTS * 8);

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
    userRegs: (flags & CPU_FLAG_NO_USER_REGS) === 0,
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
