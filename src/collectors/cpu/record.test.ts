// Drift check: compiles bpf/include/cpu.h with the host compiler, prints every constant and
// offset the decoder relies on, and compares with record.ts. Plus decoding of built records.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cValues } from '../../../test/support/c-layout.js';
import {
  CPU_COUNTER_COUNT, CPU_DEFAULT_STACK_BYTES, CPU_FLAG_KERNEL_MODE, CPU_FLAG_NO_USER_REGS, CPU_FLAG_STACK_HOLES, CPU_MAX_FRAMES, CPU_MAX_STACK_BYTES,
  CPU_MAX_TARGETS, CPU_PAGE_SIZE, CPU_LUA_FRAME_BYTES, CPU_LUA_SLOT_BYTES, CPU_LUA_URI_BYTES, CpuCounter, CpuExit, CpuSampleLayout as L, decodeCpuSample,
} from './record.js';
import { REGISTER_NAMES } from '../../unwind/sample.js';
import { EXIT_REASONS } from './exits.js';

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
  ['offsetof(struct cpu_sample, lua_L)', L.luaL],
  ['offsetof(struct cpu_sample, lua_cframe)', L.luaCframe],
  ['offsetof(struct cpu_sample, lua_top)', L.luaTop],
  ['offsetof(struct cpu_sample, lua_slot_frames)', L.luaSlotFrames],
  ['CPU_LUA_SLOT_BYTES', CPU_LUA_SLOT_BYTES],
  ['CPU_LUA_URI_BYTES', CPU_LUA_URI_BYTES],
  ['offsetof(struct cpu_sample, lua_request)', L.luaRequest],
  ['offsetof(struct cpu_sample, lua_uri_len)', L.luaUriLen],
  ['offsetof(struct cpu_sample, lua_vmstate)', L.luaVmstate],
  ['offsetof(struct cpu_sample, lua_frames)', L.luaFrames],
  ['offsetof(struct cpu_sample, lua_status)', L.luaStatus],
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

function buildRecord(kernel: bigint[], user: bigint[], stack: Buffer, flags = 0): Buffer {
  const buf = Buffer.alloc(L.size + (kernel.length + user.length) * 8 + stack.length);
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
  let at: number = L.size;
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
