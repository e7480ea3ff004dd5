// The off-CPU profiler: follow the targets' threads off and on their CPUs for a while, unwind each
// switch-out's stack as it arrives, weight it by how long the thread stayed away (join.ts), then
// name everything once and hand back a Profile in nanoseconds. Knows nothing of output formats.

import type { SamplingSession } from '../events/session.js';
import { NoSuchProcessError } from '../../errors.js';
import type { Profile } from '../../model/profile.js';
import { processExists } from '../../proc/process.js';
import { samplingRuntimes } from '../../unwind/registry.js';
import type { RuntimePlugin } from '../../unwind/runtime.js';
import { CPU_DEFAULT_STACK_BYTES } from '../cpu/record.js';
import { ProcessContexts } from '../events/contexts.js';
import { StackCounter, type StackStats } from '../events/stacks.js';
import { toProfile, type KernelSymbols } from '../events/to-profile.js';
import { blockedThreads, type BlockedThread } from './blocked-at-start.js';
import { startOffcpuCapture } from './capture.js';
import { BlockJoin, type Block, type JoinStats } from './join.js';
import type { SwitchOut } from './record.js';
import { syscallReason, waitReason } from './reasons.js';
import { runFor, type RunOutcome } from '../events/run-for.js';

interface OffcpuProfileOptions {
  pids?: number[];
  all?: boolean;
  durationMs: number;
  /** Show an event loop's idle waits (epoll_wait, poll, select); default hidden. */
  idle: boolean;
  kernel: boolean;
  perThread: boolean;
  stackBytes?: number;
  kernelSymbols?: KernelSymbols;
  runtimes?: readonly RuntimePlugin[];
  onProgress?: (elapsedMs: number, blocks: number) => void;
  signal?: AbortSignal;
}

interface OffcpuProfileResult {
  profile: Profile;
  capture: ReturnType<SamplingSession['stats']>;
  stacks: StackStats;
  blocks: JoinStats;
  exited: number[];
  /** The run's window, which every block is clipped to. */
  elapsedMs: number;
  interrupted: boolean;
  warnings: string[];
}

export async function profileOffcpu(o: OffcpuProfileOptions): Promise<OffcpuProfileResult> {
  const pids = o.pids ?? [];
  for (const pid of pids) if (!processExists(pid)) throw new NoSuchProcessError(pid);
  const warnings: string[] = [];
  const counter = new StackCounter(o.perThread);
  const runtimes = (o.runtimes ?? samplingRuntimes()).filter((r) => r.sampling !== undefined);
  const contexts = new ProcessContexts(runtimes, pids, warnings);
  contexts.prepare(o.all === true);
  const stackBytes = o.stackBytes ?? CPU_DEFAULT_STACK_BYTES;

  const kernelNames = (addrs: readonly bigint[]) => addrs.map((a) => o.kernelSymbols?.name(a) ?? '');
  const blockOf = (r: SwitchOut): Block => {
    const s = r.sample;
    const names = kernelNames(s.kernelStack);
    // The frames above the scheduler are the tracepoint's and this program's, not the thread's.
    const at = names.indexOf('__schedule');
    if (at > 0) s.kernelStack = s.kernelStack.slice(at);
    const reason = waitReason(r.state, r.syscall, names);
    const ctx = contexts.of(s.pid, s.comm);
    // A hidden wait needs no stack: unwinding it would be work for nothing.
    const stack = reason.idle && !o.idle ? undefined : counter.unwindSample(s, ctx);
    if (stack && !o.kernel) stack.kernel = [];
    return { pid: s.pid, tid: s.tid, comm: s.comm, reason, stack };
  };
  const blockAtStart = (t: BlockedThread): Block => {
    const reason = syscallReason(t.syscall);
    const stack = reason.idle && !o.idle ? undefined : counter.unwindSample(t.sample, contexts.of(t.sample.pid, t.sample.comm));
    return { pid: t.sample.pid, tid: t.sample.tid, comm: t.sample.comm, reason, stack };
  };
  let join: BlockJoin | undefined;
  const count = (b: Block, ns: number) => {
    if (b.reason.idle && !o.idle) return;
    const labels = { ...(b.stack?.labels ?? {}), wait: b.reason.frame.slice(1, -1) };
    const s = b.stack ?? { kernel: [], user: [], end: 'no-module' as const };
    counter.addUnwound(b, s.kernel, s.user, s.end, labels, ns);
  };

  // Kernel names are read now, not at the first wait: loading them mid-run would stall the drain.
  o.kernelSymbols?.name(0n);
  let failure: unknown;
  const pendingRecords: Parameters<BlockJoin['out']>[0][] = [];
  const capture = startOffcpuCapture({
    ...(o.all ? { all: true } : { pids }),
    stackBytes,
    kernel: true, // the kernel stack tells a page fault from a system call
    onRecord: (r) => {
      if (!join) {
        // Before the run's start is fixed (nothing drains that early, but be sure).
        if (r.kind === 'out') pendingRecords.push(r);
        return;
      }
      if (r.kind === 'out') join.out(r);
      else join.in(r);
    },
    onLoaded: (obj) => contexts.publishTo(obj),
    onError: (err) => {
      failure = err;
    },
  });

  // The run starts once the program is attached: every switch from here on is seen.
  const startNs = process.hrtime.bigint();
  const started = Date.now();
  join = new BlockJoin({ startNs, block: blockOf, blockAtStart, count });
  for (const r of pendingRecords) join.out(r);
  // Threads asleep since before: read now, while they still sleep (-p only: with --all that
  // would be every process on the host).
  for (const pid of pids) join.blockedAtStart(blockedThreads(pid, stackBytes));

  let endNs = startNs;
  let outcome: RunOutcome;
  try {
    outcome = await runFor(
      { durationMs: o.durationMs, pids, tickMs: 50, onTick: (ms) => o.onProgress?.(ms, join!.stats.blocks), failed: () => failure !== undefined, ...(o.signal ? { signal: o.signal } : {}) },
      started,
    );
  } finally {
    endNs = process.hrtime.bigint();
    join.end(endNs);
    capture.stop();
    contexts.publishTo(undefined); // closed with the capture
  }
  if (failure !== undefined) throw failure;
  join.close();

  // The run's window: every block is clipped to it.
  const elapsedMs = Number(endNs - startNs) / 1e6;
  const profile = toProfile({
    stacks: counter.values(),
    modules: (pid) => contexts.modules(pid),
    kernel: o.kernelSymbols,
    runtimes,
    processName: (pid) => contexts.name(pid),
    sampleTypes: [{ type: 'off-cpu', unit: 'nanoseconds' }, { type: 'blocks', unit: 'count' }],
    periodType: { type: 'off-cpu', unit: 'nanoseconds' },
    period: 1,
    values: (st) => [st.weight, st.count],
    durationNs: endNs - startNs,
    startNs: BigInt(started) * 1_000_000n,
    comments: [`fluoro offcpu ${o.all ? '--all' : '-p ' + pids.join(',')} for ${(elapsedMs / 1000).toFixed(1)} s`, ...warnings],
    perThread: o.perThread,
    processRoot: o.all === true || pids.length > 1,
    leaf: (st) => (st.labels.wait !== undefined ? `[${st.labels.wait}]` : undefined),
  });
  return { profile, capture: capture.stats(), stacks: counter.stats, blocks: join.stats, exited: outcome.exited, elapsedMs, interrupted: outcome.interrupted, warnings };
}
