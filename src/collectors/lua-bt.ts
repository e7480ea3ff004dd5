// Lua backtraces of a running process, with the local variables of each frame, captured at
// sample points by the same BPF walker as the CPU profiler (no ptrace, no stop): the slots of
// the innermost frames are copied in the instant of the sample. The runtime plugin reads each
// snapshot (src/unwind/runtime.ts, Snapshots); this file takes and groups them, so a loop that
// never exits shows as one backtrace seen N times out of N.

import { NoSuchProcessError, NotSupportedError, TargetExitedError } from '../errors.js';
import type { LuaBacktrace, LuaBacktraceFrame } from '../model/lua-backtrace.js';
import { processExists } from '../proc/process.js';
import { ProcessModules } from '../unwind/process-modules.js';
import { runtimeByName } from '../unwind/registry.js';
import type { RawSample } from '../unwind/sample.js';
import { startCpuCapture } from './cpu/capture.js';

interface LuaBacktraceOptions {
  samples: number;
  intervalMs: number;
  locals: boolean;
  upvalues: boolean;
  /** Give up after this long without enough snapshots (the VM may be idle). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface LuaBacktraceResult {
  backtraces: LuaBacktrace[];
  /** Snapshots taken while Lua code ran, and those where the VM was idle or elsewhere. */
  running: number;
  idle: number;
  build: string;
}

function key(frames: LuaBacktraceFrame[]): string {
  return frames.map((f) => `${f.kind}|${f.name}|${f.file}|${f.line}`).join('\n');
}

export async function luaBacktraces(pid: number, o: LuaBacktraceOptions): Promise<LuaBacktraceResult> {
  if (!processExists(pid)) throw new NoSuchProcessError(pid);
  const modules = new ProcessModules(pid);
  const warnings: string[] = [];
  const rt = runtimeByName('luajit').sampling!.attach(pid, modules, { byRequest: false, warnings, changed: () => {} });
  if (!rt?.snapshots) throw new NotSupportedError(`process ${pid} runs no LuaJIT VM that fluoro recognises`);
  const snapshots = rt.snapshots(); // throws when the VM cannot be read
  const groups = new Map<string, LuaBacktrace>();
  let running = 0;
  let idle = 0;
  let failure: unknown;

  const onSample = (raw: RawSample) => {
    if (running >= o.samples || raw.pid !== pid) return;
    const frames = snapshots.read(raw, o);
    if (!frames) {
      idle++;
      return;
    }
    running++;
    const k = key(frames);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { frames, count: 1 });
  };
  const capture = startCpuCapture({
    pids: [pid],
    hz: Math.max(1, Math.round(1000 / o.intervalMs)),
    kernel: false,
    stackBytes: 0,
    onSample,
    onLoaded: (obj) => snapshots.publish(obj),
    onError: (e) => (failure = e),
  });
  const started = Date.now();
  try {
    while (running < o.samples && failure === undefined && !o.signal?.aborted) {
      if (Date.now() - started > o.timeoutMs) break;
      if (!processExists(pid)) throw new TargetExitedError(pid, 'while its backtraces were taken');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    capture.stop();
  }
  if (failure !== undefined) throw failure;
  const backtraces = [...groups.values()].sort((a, b) => b.count - a.count);
  return { backtraces, running, idle, build: snapshots.build };
}
