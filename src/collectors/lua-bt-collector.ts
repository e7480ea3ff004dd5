// `lua-bt`: snapshots of what the Lua code of a process is doing, grouped, with the locals (and
// upvalues) of each frame. No profile: the result is the grouped backtraces themselves.

import { suspiciousLocals, type Suspicion } from '../analysis/high-cpu.js';
import { FluoroError } from '../errors.js';
import type { LuaBacktrace } from '../model/lua-backtrace.js';
import { singlePid, type Collector, type ResultDocument } from './collector.js';
import { luaBacktraces } from './lua-bt.js';

/** The shape of a lua-bt run's result (type "lua-backtraces", version 1). */
export interface LuaBacktracesData {
  build: string;
  /** Snapshots taken while Lua code ran, and CPU samples outside Lua. */
  snapshots: number;
  idle: number;
  requested: number;
  backtraces: LuaBacktrace[];
  /** Groups left out to keep the record bounded (the rarest ones). */
  omitted: number;
  /** Locals and upvalues worth a look (numbers kept in strings), over the kept groups. */
  suspicions: Suspicion[];
}

/** Kept per run: the most frequent groups; a loop that never exits is one group anyway. */
const MAX_GROUPS = 50;

function luaBacktracesDocument(data: LuaBacktracesData): ResultDocument {
  return { type: 'lua-backtraces', version: 1, data };
}

export const luaBtCollector: Collector = {
  name: 'lua-bt',
  title: 'Lua backtrace',
  description: 'print the current Lua backtraces of a running process, with local variables: snapshots taken without stopping it, identical ones grouped',
  targets: 'one',
  params: [
    { name: 'samples', label: 'Snapshots', type: 'integer', flag: '-n, --samples', default: 10, min: 1, max: 1000, help: 'snapshots to take; identical backtraces are grouped' },
    { name: 'intervalMs', label: 'Interval', type: 'integer', flag: '-i, --interval', default: 10, min: 1, max: 10_000, unit: 'ms', help: 'time between snapshots' },
    { name: 'locals', label: 'Locals', type: 'boolean', flag: '-l, --locals', default: true, help: 'the local variables of each frame' },
    { name: 'upvalues', label: 'Upvalues', type: 'boolean', flag: '-u, --upvalues', default: false, help: 'the upvalues of each frame' },
    { name: 'timeoutMs', label: 'Give up after', type: 'duration', flag: '--timeout', default: 5_000, min: 500, max: 600_000, help: 'when the process runs little Lua code' },
  ],
  async run(target, params, ctx) {
    const pid = singlePid(this, target);
    const samples = Number(params.samples);
    const intervalMs = Number(params.intervalMs);
    const timeoutMs = Number(params.timeoutMs);
    // The collector reports no progress of its own: the expected time is the measure.
    const expected = Math.max(50, Math.min(timeoutMs, samples * intervalMs));
    const started = Date.now();
    const tick = () => {
      const ms = Date.now() - started;
      ctx.onProgress({ elapsedMs: ms, fraction: Math.min(0.99, ms / expected), detail: `taking ${samples.toLocaleString('en-US')} snapshot${samples === 1 ? '' : 's'}` });
    };
    tick();
    const timer = setInterval(tick, 200);
    let r;
    try {
      r = await luaBacktraces(pid, {
        samples,
        intervalMs,
        locals: params.locals === true,
        upvalues: params.upvalues === true,
        timeoutMs,
        signal: ctx.signal,
      });
    } finally {
      clearInterval(timer);
    }
    const interrupted = ctx.signal.aborted;
    if (r.running === 0 && !interrupted) {
      throw new FluoroError(
        `process ${pid} ran no Lua code while it was watched (${r.idle} samples on the CPU were outside Lua); it may be idle or waiting`,
      );
    }
    const warnings: string[] = [];
    if (!interrupted && r.running < samples) {
      warnings.push(`took ${r.running} of ${samples} snapshots before giving up; the process was mostly outside Lua code`);
    }
    const kept = r.backtraces.slice(0, MAX_GROUPS);
    if (r.backtraces.length > kept.length) warnings.push(`only the ${kept.length} most frequent of ${r.backtraces.length} different backtraces are kept`);
    const top = kept[0]?.frames.find((f) => f.kind === 'lua');
    const seen = new Set<string>();
    const suspicions = kept.flatMap((b) => suspiciousLocals(b.frames)).filter((s) => {
      const k = `${s.frame.function}|${s.frame.file}|${s.frame.line}|${s.variable}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    return {
      interrupted,
      exited: [],
      warnings,
      result: luaBacktracesDocument({ build: r.build, snapshots: r.running, idle: r.idle, requested: samples, backtraces: kept, omitted: r.backtraces.length - kept.length, suspicions }),
      summary: {
        snapshots: r.running,
        idle: r.idle,
        backtraces: r.backtraces.length,
        ...(top ? { top: top.name, topFile: top.file, topLine: top.line } : {}),
        ...(kept[0] ? { topCount: kept[0].count } : {}),
        suspicions: suspicions.length,
        build: r.build,
      },
    };
  },
};
