// What the "high CPU" analysis needs from a live process: a mixed CPU profile (C and Lua) and a
// set of Lua backtrace snapshots with locals, taken one after the other.

import { NotSupportedError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import type { KernelSymbols } from './events/to-profile.js';
import { profileCpu, type CpuProfileResult } from './cpu/profiler.js';
import { luaBacktraces, type LuaBacktraceResult } from './lua-bt.js';

interface HighCpuInput {
  profile: Profile;
  cpu: CpuProfileResult;
  /** Undefined when the process runs no LuaJIT. */
  lua: LuaBacktraceResult | undefined;
}

interface HighCpuOptions {
  durationMs: number;
  hz: number;
  snapshots: number;
  kernelSymbols: KernelSymbols | undefined;
  onProgress?: (elapsedMs: number, samples: number) => void;
  signal?: AbortSignal;
}

export async function collectHighCpu(pid: number, o: HighCpuOptions): Promise<HighCpuInput> {
  const cpu = await profileCpu({
    pids: [pid],
    durationMs: o.durationMs,
    hz: o.hz,
    kernel: true,
    perThread: false,
    kernelSymbols: o.kernelSymbols,
   
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  let lua: LuaBacktraceResult | undefined;
  try {
    lua = await luaBacktraces(pid, { samples: o.snapshots, intervalMs: 10, locals: true, upvalues: false, timeoutMs: 3000, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    if (!(err instanceof NotSupportedError)) throw err;
    lua = undefined; // no LuaJIT here: the analysis stays at the C level
  }
  return { profile: cpu.profile, cpu, lua };
}
