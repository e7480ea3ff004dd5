// `offcpu`: where the targets' threads wait, C and runtime (Lua) frames together, each stack
// weighted by the nanoseconds its threads spent off their CPUs there, with why they waited as its
// leaf (the system call, the run queue, a page fault). An event loop's idle waits are left out
// unless asked for.

import type { Collector } from '../collector.js';
import { kernelNamesOrWarn } from '../kernel-names.js';
import { CPU_DEFAULT_STACK_BYTES, CPU_MAX_STACK_BYTES } from '../cpu/record.js';
import { profileOffcpu } from './profiler.js';

export const offcpuCollector: Collector = {
  name: 'offcpu',
  title: 'Off-CPU profile',
  description: 'follow every wait of a running process (C and Lua stacks, why it waited) and write a flame graph in time blocked',
  targets: 'many',
  params: [
    { name: 'durationMs', label: 'Duration', type: 'duration', flag: '-d, --duration', default: 10_000, min: 100, max: 86_400_000, help: 'how long to follow the threads' },
    { name: 'idle', label: 'Idle waits', type: 'boolean', default: false, help: 'show an event loop waiting for work (epoll_wait, poll, select)' },
    { name: 'kernel', label: 'Kernel frames', type: 'boolean', default: true, help: 'the kernel frames of each wait' },
    { name: 'perThread', label: 'Per thread', type: 'boolean', default: false, help: 'split stacks by thread' },
    {
      name: 'stackBytes', label: 'Stack copy', type: 'integer', default: CPU_DEFAULT_STACK_BYTES, min: 0, max: CPU_MAX_STACK_BYTES, unit: 'bytes',
      help: 'bytes of user stack copied at each wait (deeper stacks need more)',
    },
  ],
  async run(target, params, ctx) {
    const durationMs = Number(params.durationMs);
    const warnings: string[] = [];
    const r = await profileOffcpu({
      ...(target.all ? { all: true } : { pids: target.pids }),
      durationMs,
      idle: params.idle === true,
      kernel: params.kernel === true,
      perThread: params.perThread === true,
      stackBytes: Number(params.stackBytes),
      // Needed even without kernel frames shown: they tell a page fault from a system call.
      kernelSymbols: kernelNamesOrWarn(warnings),
      onProgress: (ms, blocks) =>
        ctx.onProgress({ elapsedMs: ms, fraction: Math.min(1, ms / durationMs), detail: `${blocks.toLocaleString('en-US')} waits` }),
      signal: ctx.signal,
    });
    const b = r.blocks;
    const s = r.stacks;
    return {
      profile: r.profile,
      interrupted: r.interrupted,
      exited: r.exited,
      warnings: [...warnings, ...r.warnings],
      summary: {
        blocks: b.blocks,
        offCpuMs: Math.round(b.ns / 1e4) / 100,
        idleBlocks: b.idleBlocks,
        idleMs: Math.round(b.idleNs / 1e4) / 100,
        idleShown: params.idle === true,
        clippedAtStart: b.clippedStart,
        clippedAtEnd: b.clippedEnd,
        lost: r.capture.dropped + b.unended,
        elapsedMs: Math.round(r.elapsedMs),
        completeStacks: s.complete,
        stacks: s.samples,
        exited: r.exited.length > 0,
      },
    };
  },
};
