// Drift check: compiles bpf/include/cpu.h with the host compiler, prints every constant and
// offset the decoder relies on, and compares with record.ts. Plus decoding of built records.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cValues } from '../../../test/support/c-layout.js';
import {
  CPU_COUNTER_COUNT, CPU_DEFAULT_STACK_BYTES, CPU_FLAG_KERNEL_MODE, CPU_FLAG_NO_USER_REGS, CPU_FLAG_STACK_HOLES, CPU_MAX_FRAMES, CPU_MAX_STACK_BYTES,
  CPU_MAX_TARGETS, CPU_PAGE_SIZE, CPU_LUA_FRAME_BYTES, CPU_LUA_SLOT_BYTES, CPU_LUA_URI_BYTES, CpuCounter, CpuExit, CpuSampleLayout as L, CpuSectionLayout, CpuSectionTag, CPU_SECTIONS_MAX_BYTES, decodeCpuSample,
} from './record.js';
import { REGISTER_NAMES } from '../../unwind/sample.js';
import { EXIT_REASONS } from './exits.js';
import { LJ_FRAME_SIZE, LjFrameKind, LjStatus } from '../../unwind/luajit/layout.js';
import { LjSectionLayout } from '../../unwind/luajit/section.js';

/** Each reason's macro in cpu.h (CPU_COUNTER_<macro>). */
const EXIT_MACROS: Record<keyof typeof CpuExit, string> = {
  'ring-full': 'DROPPED',
  filtered: 'FILTERED',
  'no-scratch': 'NO_SCRATCH',
  bounds: 'BOUNDS',
  'too-long': 'TOO_LONG',
  'kernel-stack': 'KERNEL_STACK',
  'fp-stack': 'FP_STACK',
  'user-stack': 'USER_STACK',
  'part-bounds': 'PART_BOUNDS',
  'lua-no-g': 'LUA_NO_G',
  'lua-read': 'LUA_READ',
  'lua-bad-frame': 'LUA_BAD_FRAME',
  'lua-truncated': 'LUA_TRUNCATED',
  'lua-slots': 'LUA_SLOTS',
  'lua-uri': 'LUA_URI',
  'no-user-regs': 'NO_USER_REGS',
};

const expected: Array<[string, number]> = [
  ['CPU_MAX_FRAMES', CPU_MAX_FRAMES],
  ['CPU_MAX_STACK_BYTES', CPU_MAX_STACK_BYTES],
  ['CPU_DEFAULT_STACK_BYTES', CPU_DEFAULT_STACK_BYTES],
  ['CPU_PAGE_SIZE', CPU_PAGE_SIZE],
  ['CPU_MAX_TARGETS', CPU_MAX_TARGETS],
  ['CPU_FLAG_KERNEL_MODE', CPU_FLAG_KERNEL_MODE],
  ['CPU_FLAG_STACK_HOLES', CPU_FLAG_STACK_HOLES],
  ['CPU_FLAG_NO_USER_REGS', CPU_FLAG_NO_USER_REGS],
  ['CPU_COUNTER_SEEN', CpuCounter.seen],
  ['CPU_COUNTER_RECORDED', CpuCounter.recorded],
  ...Object.entries(EXIT_MACROS).map(([name, macro]): [string, number] => [`CPU_COUNTER_${macro}`, CpuExit[name as keyof typeof CpuExit]]),
  ['CPU_COUNTER_COUNT', CPU_COUNTER_COUNT],
  ['sizeof(struct cpu_sample)', L.size],
  ['offsetof(struct cpu_sample, time_ns)', L.timeNs],
  ['offsetof(struct cpu_sample, pid)', L.pid],
  ['offsetof(struct cpu_sample, tid)', L.tid],
  ['offsetof(struct cpu_sample, cpu)', L.cpu],
  ['offsetof(struct cpu_sample, flags)', L.flags],
  ['offsetof(struct cpu_sample, comm)', L.comm],
  ['sizeof(((struct cpu_sample *)0)->comm)', L.commBytes],
  ['offsetof(struct cpu_sample, regs)', L.regs],
  ['offsetof(struct cpu_sample, kernel_frames)', L.kernelFrames],
  ['offsetof(struct cpu_sample, user_frames)', L.userFrames],
  ['offsetof(struct cpu_sample, stack_bytes)', L.stackBytes],
  ['offsetof(struct cpu_sample, section_bytes)', L.sectionBytes],
  ['sizeof(struct cpu_section)', CpuSectionLayout.size],
  ['offsetof(struct cpu_section, tag)', CpuSectionLayout.tag],
  ['offsetof(struct cpu_section, bytes)', CpuSectionLayout.bytes],
  ['CPU_SECTION_LUAJIT', CpuSectionTag.luajit],
  ['CPU_SECTIONS_MAX_BYTES', CPU_SECTIONS_MAX_BYTES],
  ['CPU_LUA_SLOT_BYTES', CPU_LUA_SLOT_BYTES],
  ['CPU_LUA_URI_BYTES', CPU_LUA_URI_BYTES],
  ['CPU_LUA_FRAME_BYTES', CPU_LUA_FRAME_BYTES],
  ['sizeof(struct cpu_regs)', REGISTER_NAMES.length * 8],
  ...REGISTER_NAMES.map((r, i): [string, number] => [`offsetof(struct cpu_regs, ${r})`, i * 8]),
];

test('record.ts matches bpf/include/cpu.h', () => {
  const actual = cValues('cpu.h', expected.map(([expr]) => expr));
  for (const [expr, value] of expected) assert.equal(value, actual.get(expr), `${expr} in cpu.h vs record.ts`);
});

test('every counter past seen and recorded is a named reason, each index once', () => {
  const indexes = [CpuCounter.seen, CpuCounter.recorded, ...Object.values(CpuCounter.exits)].sort((a, b) => a - b);
  assert.deepEqual(indexes, Array.from({ length: CPU_COUNTER_COUNT }, (_, i) => i));
  for (const name of Object.keys(CpuExit)) assert.ok(Object.hasOwn(EXIT_REASONS, name), `${name} has words in exits.ts`);
});

function buildRecord(kernel: bigint[], user: bigint[], stack: Buffer, flags = 0, sections: Buffer = Buffer.alloc(0)): Buffer {
  const buf = Buffer.alloc(L.size + sections.length + (kernel.length + user.length) * 8 + stack.length);
  buf.writeBigUInt64LE(123456789n, L.timeNs);
  buf.writeUInt32LE(42, L.pid);
  buf.writeUInt32LE(43, L.tid);
  buf.writeUInt32LE(1, L.cpu);
  buf.writeUInt32LE(flags, L.flags);
  buf.write('nginx', L.comm);
  REGISTER_NAMES.forEach((_, i) => buf.writeBigUInt64LE(BigInt(0x1000 + i), L.regs + i * 8));
  buf.writeUInt16LE(kernel.length, L.kernelFrames);
  buf.writeUInt16LE(user.length, L.userFrames);
  buf.writeUInt32LE(stack.length, L.stackBytes);
  buf.writeUInt16LE(sections.length, L.sectionBytes);
  sections.copy(buf, L.size);
  let at: number = L.size + sections.length;
  for (const a of [...kernel, ...user]) at = buf.writeBigUInt64LE(a, at);
  stack.copy(buf, at);
  return buf;
}

test('decodeCpuSample reads every field and section', () => {
  const stack = Buffer.from([1, 2, 3, 4, 5]);
  const raw = decodeCpuSample(buildRecord([0xffffffff81000000n], [0x401000n, 0x402000n], stack, CPU_FLAG_KERNEL_MODE));
  assert.ok(raw);
  assert.equal(raw.pid, 42);
  assert.equal(raw.tid, 43);
  assert.equal(raw.cpu, 1);
  assert.equal(raw.timeNs, 123456789n);
  assert.equal(raw.comm, 'nginx');
  assert.equal(raw.kernelMode, true);
  assert.equal(raw.stackHoles, false);
  assert.equal(raw.regs.rip, 0x1000n);
  assert.equal(raw.regs.r15, 0x1000n + 16n);
  assert.deepEqual(raw.kernelStack, [0xffffffff81000000n]);
  assert.deepEqual(raw.fpStack, [0x401000n, 0x402000n]);
  assert.deepEqual([...raw.stack], [1, 2, 3, 4, 5]);
});

test('decodeCpuSample reports zero-filled holes in the stack copy', () => {
  const raw = decodeCpuSample(buildRecord([], [], Buffer.alloc(8192), CPU_FLAG_STACK_HOLES));
  assert.equal(raw?.stackHoles, true);
  assert.equal(raw?.kernelMode, false);
  assert.equal(raw?.userRegs, true);
  assert.equal(decodeCpuSample(buildRecord([], [], Buffer.alloc(0), CPU_FLAG_KERNEL_MODE | CPU_FLAG_NO_USER_REGS))?.userRegs, false);
});

test('decodeCpuSample rejects records whose sizes disagree', () => {
  const good = buildRecord([], [0x401000n], Buffer.alloc(16));
  assert.equal(decodeCpuSample(good.subarray(0, good.length - 1)), undefined);
  assert.equal(decodeCpuSample(good.subarray(0, 100)), undefined);
  const lying = Buffer.from(good);
  lying.writeUInt16LE(CPU_MAX_FRAMES + 1, L.kernelFrames);
  assert.equal(decodeCpuSample(lying), undefined);
  const huge = Buffer.from(good);
  huge.writeUInt32LE(0xffffffff, L.stackBytes);
  assert.equal(decodeCpuSample(huge), undefined);
});

/** A section: its header and body. */
function section(tag: number, body: Buffer): Buffer {
  const head = Buffer.alloc(CpuSectionLayout.size);
  head.writeUInt16LE(tag, CpuSectionLayout.tag);
  head.writeUInt16LE(body.length, CpuSectionLayout.bytes);
  return Buffer.concat([head, body]);
}

/** A LuaJIT section body: one Lua frame, no slots, a URI. */
function luaBody(uri: string): Buffer {
  const b = Buffer.alloc(LjSectionLayout.size + LJ_FRAME_SIZE + uri.length);
  b.writeBigUInt64LE(0x7f0010n, LjSectionLayout.L);
  b.writeInt32LE(-1, LjSectionLayout.vmstate);
  b.writeUInt16LE(1, LjSectionLayout.frames);
  b.writeUInt8(LjStatus.ok, LjSectionLayout.status);
  b.writeUInt16LE(uri.length, LjSectionLayout.uriLen);
  b.writeBigUInt64LE(0x7f00aa00n, LjSectionLayout.size); // the frame's ptr
  b.writeUInt8(LjFrameKind.lua, LjSectionLayout.size + 20);
  b.write(uri, LjSectionLayout.size + LJ_FRAME_SIZE, 'latin1');
  return b;
}

test("runtime sections: LuaJIT's is decoded by its runtime, an unknown one is skipped, a lying one refused", () => {
  const lua = section(CpuSectionTag.luajit, luaBody('/api/v1'));
  const raw = decodeCpuSample(buildRecord([0xffffffff81000000n], [0x401000n], Buffer.from([9, 9]), 0, lua));
  assert.ok(raw);
  assert.equal(raw.lua.status, LjStatus.ok);
  assert.equal(raw.lua.L, 0x7f0010n);
  assert.equal(raw.lua.vmstate, -1);
  assert.deepEqual(raw.lua.frames.map((f) => [f.kind, f.ptr]), [[LjFrameKind.lua, 0x7f00aa00n]]);
  assert.equal(raw.lua.uri, '/api/v1');
  assert.deepEqual(raw.kernelStack, [0xffffffff81000000n], 'the frames after the sections are where they belong');
  assert.deepEqual([...raw.stack], [9, 9]);

  const plain = decodeCpuSample(buildRecord([], [], Buffer.alloc(0)));
  assert.equal(plain?.lua.status, LjStatus.none, 'no section: no Lua walk');
  const future = decodeCpuSample(buildRecord([], [], Buffer.alloc(0), 0, Buffer.concat([section(77, Buffer.alloc(12)), lua])));
  assert.equal(future?.lua.uri, '/api/v1', 'a section of a runtime this version does not know is skipped');

  const lying = Buffer.from(lua);
  lying.writeUInt16LE(lua.length, CpuSectionLayout.bytes); // claims more body than there is
  assert.equal(decodeCpuSample(buildRecord([], [], Buffer.alloc(0), 0, lying)), undefined);
  const tooManyFrames = section(CpuSectionTag.luajit, luaBody(''));
  tooManyFrames.writeUInt16LE(65, CpuSectionLayout.size + LjSectionLayout.frames);
  assert.equal(decodeCpuSample(buildRecord([], [], Buffer.alloc(0), 0, tooManyFrames)), undefined);
});
