// CPU: on-CPU stacks of one process, C and Lua frames together. The profile is always stored
// whole (mixed); `lang` only picks the view that is shown first, and the viewer can switch.

import { profileCpu } from '../../collectors/cpu/profiler.js';
import { kernelSymbols, type KernelSymbols } from '../../symbolize/kernel.js';
import { luajitRuntime } from '../../unwind/luajit/runtime.js';
import type { AnalysisKind } from '../analysis.js';

/** Kernel symbols, or a warning that kernel frames will show as addresses. */
export function kernelSymbolsOr(warnings: string[]): KernelSymbols | undefined {
  try {
    return kernelSymbols();
  } catch (err) {
    warnings.push(`${(err as Error).message}; kernel frames show addresses`);
    return undefined;
  }
}

export const cpuAnalysis: AnalysisKind = {
  name: 'cpu',
  title: 'CPU profile',
  description: 'Samples on-CPU stacks (C and Lua) and draws a flame graph.',
  params: [
    { name: 'durationMs', label: 'Duration', type: 'duration', default: 10_000, min: 100, max: 600_000 },
    { name: 'hz', label: 'Rate', type: 'integer', default: 99, min: 1, max: 10_000, unit: 'Hz', help: 'samples per second per CPU' },
    {
      name: 'lang',
      label: 'Frames',
      type: 'choice',
      default: 'mixed',
      choices: [
        { value: 'mixed', label: 'Mixed (C and Lua)' },
        { value: 'c', label: 'C only' },
        { value: 'lua', label: 'Lua only' },
      ],
    },
  ],
  async run(pid, params, ctx) {
    const durationMs = Number(params.durationMs);
    const warnings: string[] = [];
    const r = await profileCpu({
      pids: [pid],
      durationMs,
      hz: Number(params.hz),
      kernel: true,
      perThread: false,
      kernelSymbols: kernelSymbolsOr(warnings),
      runtimes: [luajitRuntime()],
      onProgress: (ms, samples) =>
        ctx.onProgress({ elapsedMs: ms, fraction: Math.min(1, ms / durationMs), detail: `${samples.toLocaleString('en-US')} samples` }),
      signal: ctx.signal,
    });
    warnings.push(...r.warnings);
    if (r.exited.length > 0) warnings.push(`process ${pid} exited during sampling; the profile covers the ${(r.elapsedMs / 1000).toFixed(1)} s before`);
    return {
      profile: r.profile,
      interrupted: r.interrupted,
      warnings,
      summary: {
        samples: r.stacks.samples,
        lost: r.capture.dropped,
        elapsedMs: r.elapsedMs,
        completeStacks: r.stacks.complete,
        exited: r.exited.length > 0,
      },
    };
  },
};
