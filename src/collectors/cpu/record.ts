// Decoding of the records bpf/cpu.bpf.c writes (struct cpu_sample in bpf/include/cpu.h, then the
// runtime sections, kernel frames, frame-pointer user frames and the user stack window). Each
// runtime section is decoded by its runtime (LuaJIT's: src/unwind/luajit/section.ts). The constants
// mirror the header; record.test.ts compiles the header and fails on any drift.
import type { ExitIndexes } from './exits.js';

import { decodeLuaSection, NO_LUA_WALK } from '../../unwind/luajit/section.js';
import { REGISTER_NAMES, type LuaWalk, type RawSample, type Registers } from '../../unwind/sample.js';

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
  sectionBytes: 184,
  size: 192,
} as const;

/** struct cpu_section: a runtime section's header. */
export const CpuSectionLayout = { tag: 0, bytes: 2, size: 8 } as const;
export const CpuSectionTag = { luajit: 1 } as const;
export const CPU_SECTIONS_MAX_BYTES = CpuSectionLayout.size + 48 + CPU_LUA_FRAME_BYTES + CPU_LUA_SLOT_BYTES + CPU_LUA_URI_BYTES;

/** The runtime sections of a record, decoded by their runtimes; undefined when malformed. */
function decodeSections(data: Uint8Array): { lua: LuaWalk } | undefined {
  const H = CpuSectionLayout;
  let lua: LuaWalk = NO_LUA_WALK;
  for (let at = 0; at < data.length; ) {
    if (at + H.size > data.length) return undefined;
    const view = new DataView(data.buffer, data.byteOffset + at, H.size);
    const tag = view.getUint16(H.tag, true);
    const bytes = view.getUint16(H.bytes, true);
    const body = data.subarray(at + H.size, at + H.size + bytes);
    if (body.length !== bytes) return undefined;
    if (tag === CpuSectionTag.luajit) {
      const walk = decodeLuaSection(body);
      if (!walk) return undefined;
      lua = walk;
    } // a section of a runtime this version does not know is skipped
    at += H.size + bytes;
  }
  return { lua };
}

/** Decodes one record; undefined when it is malformed (sizes that disagree or exceed limits). */
export function decodeCpuSample(data: Uint8Array): RawSample | undefined {
  const L = CpuSampleLayout;
  if (data.length < L.size) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const kernelFrames = view.getUint16(L.kernelFrames, true);
  const userFrames = view.getUint16(L.userFrames, true);
  const stackBytes = view.getUint32(L.stackBytes, true);
  const sectionBytes = view.getUint16(L.sectionBytes, true);
  if (kernelFrames > CPU_MAX_FRAMES || userFrames > CPU_MAX_FRAMES || stackBytes > CPU_MAX_STACK_BYTES) return undefined;
  if (sectionBytes > CPU_SECTIONS_MAX_BYTES) return undefined;
  const kernelAt = L.size + sectionBytes;
  const userAt = kernelAt + kernelFrames * 8;
  const stackAt = userAt + userFrames * 8;
  if (stackAt + stackBytes !== data.length) return undefined;
  const sections = decodeSections(data.subarray(L.size, kernelAt));
  if (!sections) return undefined;

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
    lua: sections.lua,
  };
}

function readAddresses(view: DataView, at: number, count: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(view.getBigUint64(at + i * 8, true));
  return out;
}
