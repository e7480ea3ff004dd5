// `cpu`: on-CPU stacks of processes, C and runtime (Lua) frames together, weighted in samples and
// CPU nanoseconds. The profile is always whole (mixed); `lang` names the view shown first.

import type { Collector } from '../collector.js';
import { kernelNamesOrWarn } from '../kernel-names.js';
import { describeLosses } from './exits.js';
import { profileCpu } from './profiler.js';
import { UNWINDERS, unwinderByName } from './unwinders.js';
import { CPU_DEFAULT_STACK_BYTES, CPU_MAX_STACK_BYTES } from './record.js';

export const cpuCollector: Collector = {
  name: 'cpu',
  title: 'CPU profile',
  description: 'sample on-CPU stacks (C and Lua) of a running process and write a flame graph',
  targets: 'many',
  params: [
    { name: 'durationMs', label: 'Duration', type: 'duration', flag: '-d, --duration', default: 10_000, min: 100, max: 86_400_000, help: 'how long to sample' },
    { name: 'hz', label: 'Rate', type: 'integer', flag: '-F, --hz', default: 99, min: 1, max: 10_000, unit: 'Hz', help: 'samples per second per CPU' },
    {
      name: 'lang',
      label: 'Frames',
      type: 'choice',
      default: 'mixed',
      help: 'frames to keep: C and Lua, C only, or Lua only',
      choices: [
        { value: 'mixed', label: 'Mixed (C and Lua)' },
        { value: 'c', label: 'C only' },
        { value: 'lua', label: 'Lua only' },
      ],
    },
    { name: 'kernel', label: 'Kernel frames', type: 'boolean', default: true, help: 'kernel frames of samples taken in the kernel' },
    { name: 'perThread', label: 'Per thread', type: 'boolean', default: false, help: 'split stacks by thread' },
    { name: 'byRequest', label: 'By request', type: 'boolean', default: false, help: 'nginx + Lua: split stacks by the URI of the request being served' },
    {
      name: 'stackBytes', label: 'Stack copy', type: 'integer', default: CPU_DEFAULT_STACK_BYTES, min: 0, max: CPU_MAX_STACK_BYTES, unit: 'bytes',
      help: 'bytes of user stack copied per sample (deeper stacks need more)',
    },
    {
      name: 'unwinder',
      label: 'Unwinder',
      type: 'choice',
      default: 'userspace',
      help: 'where native stacks are unwound: from a stack copy in userspace, or in BPF from tables (-p only, no Lua frames yet)',
      choices: UNWINDERS.map((u) => ({ value: u, label: u === 'userspace' ? 'In userspace' : 'In the kernel' })),
    },
  ],
  async run(target, params, ctx) {
    const durationMs = Number(params.durationMs);
    const warnings: string[] = [];
    const kernel = params.kernel === true;
    const r = await profileCpu({
      ...(target.all ? { all: true } : { pids: target.pids }),
      durationMs,
      hz: Number(params.hz),
      kernel,
      perThread: params.perThread === true,
      byRequest: params.byRequest === true,
      stackBytes: Number(params.stackBytes),
      unwinder: unwinderByName(String(params.unwinder)),
      kernelSymbols: kernel ? kernelNamesOrWarn(warnings) : undefined,
      onProgress: (ms, samples) =>
        ctx.onProgress({ elapsedMs: ms, fraction: Math.min(1, ms / durationMs), detail: `${samples.toLocaleString('en-US')} samples` }),
      signal: ctx.signal,
    });
    const s = r.stacks;
    const losses = describeLosses(r.capture);
    return {
      profile: r.profile,
      interrupted: r.interrupted,
      exited: r.exited,
      warnings: [...warnings, ...r.warnings],
      summary: {
        samples: s.samples,
        lost: r.capture.dropped,
        elapsedMs: r.elapsedMs,
        completeStacks: s.complete,
        meanDepth: s.samples ? Math.round((10 * s.userFrames) / s.samples) / 10 : 0,
        exited: r.exited.length > 0,
        ...(losses ? { losses } : {}),
      },
    };
  },
};
