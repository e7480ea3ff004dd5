// Lua backtraces of a running process, with the local variables of each frame, captured at
// sample points by the same BPF walker as the CPU profiler (no ptrace, no stop): the slots of
// the innermost frames are copied in the instant of the sample. Snapshots are grouped, so a loop
// that never exits shows as one backtrace seen N times out of N.

import { NoSuchProcessError, NotSupportedError, TargetExitedError } from '../errors.js';
import type { LuaBacktrace, LuaBacktraceFrame, LuaVariable } from '../model/lua-backtrace.js';
import { processExists } from '../proc/process.js';
import { LjFrameKind, LjStatus, LJ_PROC_SLOTS } from '../unwind/luajit/layout.js';
import { varsAt } from '../unwind/luajit/proto.js';
import { processMemory } from '../unwind/luajit/remote-memory.js';
import { prepareLuaProcess, publishLuaProcess, type LuaProcess } from '../unwind/luajit/runtime.js';
import { ValueReader } from '../unwind/luajit/values.js';
import { ProcessModules } from '../unwind/process-modules.js';
import { startCpuCapture } from './cpu/capture.js';
import type { LuaWalk, RawSample } from '../unwind/sample.js';

export interface LuaBacktraceOptions {
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

const FRAME_LIMIT = 64;

function decode(p: LuaProcess, walk: LuaWalk, values: ValueReader, o: LuaBacktraceOptions): LuaBacktraceFrame[] {
  const out: LuaBacktraceFrame[] = [];
  walk.frames.slice(0, FRAME_LIMIT).forEach((f, i) => {
    if (f.kind === LjFrameKind.entry) return;
    if (f.kind === LjFrameKind.c) {
      const sym = p.modules.symbol(f.ptr);
      out.push({ kind: 'c', name: sym?.name ?? `0x${f.ptr.toString(16)}`, file: '', line: 0, inTrace: false });
      return;
    }
    const info = p.namer.name(walk.frames, i);
    const frame: LuaBacktraceFrame = {
      kind: info.kind === 'lua' ? 'lua' : info.kind === 'lua-builtin' ? 'builtin' : 'unknown',
      name: info.name,
      file: info.file,
      line: info.line,
      inTrace: i === 0 && walk.vmstate >= 0,
    };
    const proto = f.kind === LjFrameKind.lua ? p.namer.protos.get(f.ptr) : undefined;
    const slots = f.slots > 0 ? walk.slots[f.slots - 1] : undefined;
    if (proto && slots && (o.locals || o.upvalues)) {
      // The variables live at this position name the frame's first slots, in order; the
      // bytecode guarantees they lie inside the frame, and only the copied slots are shown.
      if (o.locals) {
        const live = f.pc === 0xffffffff ? [] : varsAt(proto, f.pc);
        frame.locals = live.slice(0, slots.length - 2).map((v, s) => ({ name: v.name, ...values.describe(slots[s + 2]!) }));
      }
      if (o.upvalues) frame.upvalues = upvaluesOf(p, slots[0]!, proto.upvalueNames, values);
    }
    out.push(frame);
  });
  return out;
}

/** Upvalues are read now, through the function in the frame's copied function slot. */
function upvaluesOf(p: LuaProcess, fnSlot: bigint, names: readonly string[], values: ValueReader): LuaVariable[] {
  const mem = processMemory(p.pid);
  const fn = fnSlot & ((1n << 47n) - 1n);
  const uv = names.length ? mem.read(fn + BigInt(p.binary.build.layout.fn_cfunc), 8 * names.length) : undefined;
  return names.map((name, i) => {
    const ref = uv ? uv.readBigUInt64LE(8 * i) & ((1n << 47n) - 1n) : 0n;
    const v = ref ? mem.read(ref + 0x20n, 8) : undefined;
    if (!v) return { name, type: 'nil', text: '(unreadable)' };
    const target = v.readBigUInt64LE(0) & ((1n << 47n) - 1n);
    const value = mem.read(target, 8);
    return { name, ...(value ? values.describe(value.readBigUInt64LE(0)) : { type: 'nil' as const, text: '(unreadable)' }) };
  });
}

function key(frames: LuaBacktraceFrame[]): string {
  return frames.map((f) => `${f.kind}|${f.name}|${f.file}|${f.line}`).join('\n');
}

export async function luaBacktraces(pid: number, o: LuaBacktraceOptions): Promise<LuaBacktraceResult> {
  if (!processExists(pid)) throw new NoSuchProcessError(pid);
  const modules = new ProcessModules(pid);
  const p = prepareLuaProcess(pid, modules);
  if (!p) throw new NotSupportedError(`process ${pid} runs no LuaJIT VM that fluoro recognises`);
  if (p.G === 0n) throw new NotSupportedError(`cannot find the LuaJIT VM's state in process ${pid}'s memory`);
  const values = new ValueReader(processMemory(pid), p.binary.build, (addr) => modules.symbol(addr)?.name);
  const groups = new Map<string, LuaBacktrace>();
  let running = 0;
  let idle = 0;
  let failure: unknown;

  const onSample = (raw: RawSample) => {
    if (running >= o.samples || raw.pid !== pid) return;
    const w = raw.lua;
    if ((w.status !== LjStatus.ok && w.status !== LjStatus.truncated) || w.frames.length === 0) {
      idle++;
      return;
    }
    running++;
    const frames = decode(p, w, values, o);
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
    onLoaded: (obj) => publishLuaProcess(obj, p, LJ_PROC_SLOTS),
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
  return { backtraces, running, idle, build: p.binary.build.name };
}
