// The CPU profiler: capture samples of the targets for a while, unwind and count them as they
// arrive, then name everything once and hand back a Profile. Knows nothing of output formats.

import type { BpfObject } from '../../bpf/object.js';
import { NoSuchProcessError } from '../../errors.js';
import type { Profile } from '../../model/profile.js';
import { listPids, processExists, readStat } from '../../proc/process.js';
import { ProcessModules } from '../../unwind/process-modules.js';
import type { CpuCaptureStats } from './capture.js';
import { StackCounter, type ProcessContext, type StackRewriter, type StackStats } from './stacks.js';
import { userspaceUnwinder, type Unwinder } from './unwinders.js';
import { toProfile, type KernelSymbols, type RuntimeFrameNamer } from './to-profile.js';

/** A runtime plugin's part in a CPU profile (e.g. LuaJIT): per-process setup and naming. */
export interface CpuRuntime {
  /** Prepares a process; returns a rewriter when the process runs this runtime. */
  attach(pid: number, modules: ProcessModules): StackRewriter | undefined;
  /** A cheap guess whether a process runs this runtime, to prepare it before sampling starts. */
  wants?(pid: number): boolean;
  namer: RuntimeFrameNamer;
  /** Called with the loaded BPF object before samples flow (e.g. to fill its maps). */
  bind?(obj: BpfObject): void;
  /** Problems met along the way, for the summary. */
  warnings(): string[];
}

export interface CpuProfileOptions {
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
  runtimes?: CpuRuntime[];
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

  const contextOf = (pid: number, comm: string): ProcessContext | undefined => {
    let ctx = contexts.get(pid);
    if (ctx === undefined) {
      try {
        const modules = new ProcessModules(pid);
        const rewriters: StackRewriter[] = [];
        for (const rt of o.runtimes ?? []) {
          const rw = rt.attach(pid, modules);
          if (rw) rewriters.push(rw);
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
        if (o.runtimes?.some((rt) => rt.wants?.(pid))) contextOf(pid, String(pid));
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
      for (const rt of o.runtimes ?? []) rt.bind?.(obj);
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
  let interrupted = false;
  const exited: number[] = [];
  try {
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = Date.now() - started;
        o.onProgress?.(elapsed, counter.stats.samples);
        for (const pid of pids) if (!exited.includes(pid) && !processExists(pid)) exited.push(pid);
        const allGone = pids.length > 0 && exited.length === pids.length;
        if (elapsed >= o.durationMs || allGone || failure !== undefined) finish();
      }, 100);
      const onAbort = () => {
        interrupted = true;
        finish();
      };
      function finish() {
        clearInterval(tick);
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      if (o.signal?.aborted) onAbort();
      else o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    capture.stop();
  }
  if (failure !== undefined) throw failure;

  const elapsedMs = Date.now() - started;
  for (const rt of o.runtimes ?? []) warnings.push(...rt.warnings());
  const periodNs = Math.round(1e9 / o.hz);
  const profile = toProfile({
    stacks: counter.values(),
    modules: (pid) => contexts.get(pid)?.modules,
    kernel: o.kernelSymbols,
    runtimeNamer: o.runtimes?.[0]?.namer,
    processName: (pid) => names.get(pid) ?? String(pid),
    periodNs,
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
  return { profile, capture: capture.stats(), stacks: counter.stats, exited, elapsedMs, interrupted, warnings };
}
