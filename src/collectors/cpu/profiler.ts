// The CPU profiler: capture samples of the targets for a while, unwind and count them as they
// arrive, then name everything once and hand back a Profile. Knows nothing of output formats.

import { NoSuchProcessError } from '../../errors.js';
import type { Profile } from '../../model/profile.js';
import { processExists } from '../../proc/process.js';
import { samplingRuntimes } from '../../unwind/registry.js';
import type { RuntimePlugin } from '../../unwind/runtime.js';
import { ProcessContexts } from '../events/contexts.js';
import { runFor, type RunOutcome } from '../events/run-for.js';
import { StackCounter, type StackStats } from '../events/stacks.js';
import { toProfile, type KernelSymbols } from '../events/to-profile.js';
import type { CpuCaptureStats } from './capture.js';
import { userspaceUnwinder, type Unwinder } from './unwinders.js';

interface CpuProfileOptions {
  pids?: number[];
  all?: boolean;
  durationMs: number;
  hz: number;
  kernel: boolean;
  perThread: boolean;
  /** Put each sample's request (runtime label `request`) at the root of its stack. */
  byRequest?: boolean;
  stackBytes?: number;
  /** Where native stacks are unwound; default userspace (see unwinders.ts). */
  unwinder?: Unwinder;
  kernelSymbols?: KernelSymbols;
  /** The runtime plugins whose frames are walked; default: every one in the registry that can. */
  runtimes?: readonly RuntimePlugin[];
  onProgress?: (elapsedMs: number, samples: number) => void;
  signal?: AbortSignal;
}

export interface CpuProfileResult {
  profile: Profile;
  capture: CpuCaptureStats;
  stacks: StackStats;
  /** Targets that exited while being profiled. */
  exited: number[];
  elapsedMs: number;
  interrupted: boolean;
  warnings: string[];
}

export async function profileCpu(o: CpuProfileOptions): Promise<CpuProfileResult> {
  const pids = o.pids ?? [];
  for (const pid of pids) if (!processExists(pid)) throw new NoSuchProcessError(pid);
  const counter = new StackCounter(o.perThread);
  const warnings: string[] = [];
  const runtimes = (o.runtimes ?? samplingRuntimes()).filter((r) => r.sampling !== undefined);
  const contexts = new ProcessContexts(runtimes, pids, warnings, o.byRequest === true);
  contexts.prepare(o.all === true);

  let failure: unknown;
  const capture = (o.unwinder ?? userspaceUnwinder).start({
    pids,
    all: o.all === true,
    hz: o.hz,
    kernel: o.kernel,
    ...(o.stackBytes !== undefined ? { stackBytes: o.stackBytes } : {}),
    counter,
    contextOf: (pid, comm) => contexts.of(pid, comm),
    onLoaded: (obj) => contexts.publishTo(obj),
    onError: (err) => {
      failure = err;
    },
    warnings,
  });

  // Sampling starts once the program is attached: loading it (the verifier) takes a while, and
  // that time is not part of the duration asked for.
  const started = Date.now();
  const startNs = BigInt(started) * 1_000_000n;
  let outcome: RunOutcome;
  try {
    outcome = await runFor(
      { durationMs: o.durationMs, pids, tickMs: 100, onTick: (ms) => o.onProgress?.(ms, counter.stats.samples), failed: () => failure !== undefined, ...(o.signal ? { signal: o.signal } : {}) },
      started,
    );
  } finally {
    capture.stop();
    contexts.publishTo(undefined); // closed with the capture
  }
  if (failure !== undefined) throw failure;

  const elapsedMs = Date.now() - started;
  const periodNs = Math.round(1e9 / o.hz);
  const profile = toProfile({
    stacks: counter.values(),
    modules: (pid) => contexts.modules(pid),
    kernel: o.kernelSymbols,
    runtimes,
    processName: (pid) => contexts.name(pid),
    sampleTypes: [{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: periodNs,
    values: (st) => [st.count, st.count * periodNs],
    durationNs: BigInt(elapsedMs) * 1_000_000n,
    startNs,
    comments: [
      `fluoro cpu ${o.all ? '--all' : '-p ' + pids.join(',')} at ${o.hz} Hz for ${(elapsedMs / 1000).toFixed(1)} s`,
      ...warnings,
    ],
    perThread: o.perThread,
    processRoot: o.all === true || pids.length > 1,
    requestRoot: o.byRequest === true,
  });
  return { profile, capture: capture.stats(), stacks: counter.stats, exited: outcome.exited, elapsedMs, interrupted: outcome.interrupted, warnings };
}
