// The CPU profiler: capture samples of the targets for a while, unwind and count them as they
// arrive, then name everything once and hand back a Profile. Knows nothing of output formats.

import type { BpfObject } from '../../bpf/object.js';
import { NoSuchProcessError } from '../../errors.js';
import type { Profile } from '../../model/profile.js';
import { listPids, processExists, readStat } from '../../proc/process.js';
import { ProcessModules } from '../../unwind/process-modules.js';
import { runsAnyOf, samplingRuntimes } from '../../unwind/registry.js';
import type { RuntimePlugin, RuntimeProcess } from '../../unwind/runtime.js';
import type { CpuCaptureStats } from './capture.js';
import { StackCounter, type ProcessContext, type StackStats } from '../events/stacks.js';
import { userspaceUnwinder, type Unwinder } from './unwinders.js';
import { toProfile, type KernelSymbols } from '../events/to-profile.js';
import { runFor, type RunOutcome } from '../events/run-for.js';

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

function processName(pid: number, fallback: string): string {
  try {
    return readStat(pid).comm;
  } catch {
    return fallback;
  }
}

export async function profileCpu(o: CpuProfileOptions): Promise<CpuProfileResult> {
  const pids = o.pids ?? [];
  for (const pid of pids) if (!processExists(pid)) throw new NoSuchProcessError(pid);
  const counter = new StackCounter(o.perThread);
  const contexts = new Map<number, ProcessContext | null>();
  const names = new Map<number, string>();
  const warnings: string[] = [];
  const runtimes = (o.runtimes ?? samplingRuntimes()).filter((r) => r.sampling !== undefined);
  let loaded: BpfObject | undefined;
  const attached: RuntimeProcess[] = [];
  const attachOptions = {
    byRequest: o.byRequest === true,
    warnings,
    changed: (p: RuntimeProcess) => {
      if (loaded) p.publish(loaded);
    },
  };

  const contextOf = (pid: number, comm: string): ProcessContext | undefined => {
    let ctx = contexts.get(pid);
    if (ctx === undefined) {
      try {
        const modules = new ProcessModules(pid);
        const rewriters: RuntimeProcess[] = [];
        for (const rt of runtimes) {
          let p: RuntimeProcess | undefined;
          try {
            p = rt.sampling!.attach(pid, modules, attachOptions);
          } catch (err) {
            // A build the plugin cannot read safely: its frames are left out, the native ones stay.
            warnings.push(`process ${pid}: ${(err as Error).message}`);
          }
          if (!p) continue;
          rewriters.push(p);
          attached.push(p);
          if (loaded) p.publish(loaded);
        }
        ctx = { modules, rewriters };
      } catch (err) {
        if (pids.includes(pid)) warnings.push(`process ${pid}: ${(err as Error).message}`);
        ctx = null; // exited before we could read it: its samples keep their leaf address only
      }
      contexts.set(pid, ctx);
      names.set(pid, processName(pid, comm));
    }
    return ctx ?? undefined;
  };

  // Targets named by PID are prepared before sampling starts, their code's tables included: the
  // first samples are complete, and draining never stalls on parsing libc while the ring fills.
  for (const pid of pids) contextOf(pid, String(pid))?.modules.preload();
  // With --all, processes a runtime recognises are prepared too (the others on demand), so a
  // LuaJIT process's first samples already carry Lua frames.
  if (o.all) {
    for (const pid of listPids()) {
      if (pid === process.pid || contexts.has(pid)) continue;
      try {
        if (runtimes.length > 0 && runsAnyOf(pid, runtimes)) contextOf(pid, String(pid));
      } catch {
        // gone already
      }
    }
  }

  let failure: unknown;
  const capture = (o.unwinder ?? userspaceUnwinder).start({
    pids,
    all: o.all === true,
    hz: o.hz,
    kernel: o.kernel,
    ...(o.stackBytes !== undefined ? { stackBytes: o.stackBytes } : {}),
    counter,
    contextOf,
    onLoaded: (obj) => {
      loaded = obj;
      for (const p of attached) p.publish(obj);
    },
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
    loaded = undefined; // closed with the capture
  }
  if (failure !== undefined) throw failure;

  const elapsedMs = Date.now() - started;
  const periodNs = Math.round(1e9 / o.hz);
  const profile = toProfile({
    stacks: counter.values(),
    modules: (pid) => contexts.get(pid)?.modules,
    kernel: o.kernelSymbols,
    runtimes,
    processName: (pid) => names.get(pid) ?? String(pid),
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
