// The guided "high CPU" analysis: a mixed CPU profile, then Lua backtrace snapshots with locals,
// and the report in words (where the time goes, the hottest Lua place, a loop, suspicious values).
// The profile is stored with the run, so its flame graphs are the ordinary ones.

import { analyzeHighCpu, type HighCpuReport } from '../analysis/high-cpu.js';
import type { LuaBacktrace } from '../model/lua-backtrace.js';
import { readStat } from '../proc/process.js';
import { singlePid, type Collector } from './collector.js';
import { collectHighCpu } from './high-cpu.js';
import { kernelNamesOrWarn } from './kernel-names.js';

/** The shape of an analyze run's result (type "high-cpu-report", version 1). */
export interface HighCpuReportData {
  process: string;
  elapsedMs: number;
  hz: number;
  report: HighCpuReport;
  /** The Lua snapshots behind the report; null when the process runs no LuaJIT fluoro recognises. */
  lua: { build: string; snapshots: number; idle: number; backtraces: LuaBacktrace[] } | null;
}

const KEPT_BACKTRACES = 5;

export const analyzeCollector: Collector = {
  name: 'analyze',
  title: 'Analyze (high CPU)',
  description: 'guided analysis of a process at high CPU: where the time goes, the hot Lua code and its locals, in words',
  targets: 'one',
  params: [
    { name: 'durationMs', label: 'Duration', type: 'duration', flag: '-d, --duration', default: 5_000, min: 500, max: 600_000, help: 'how long to sample' },
    { name: 'hz', label: 'Rate', type: 'integer', flag: '-F, --hz', default: 199, min: 1, max: 10_000, unit: 'Hz', help: 'samples per second per CPU' },
    { name: 'snapshots', label: 'Snapshots', type: 'integer', flag: '-n, --snapshots', default: 10, min: 1, max: 1000, help: 'Lua backtraces to take after the profile' },
  ],
  async run(target, params, ctx) {
    const pid = singlePid(this, target);
    const durationMs = Number(params.durationMs);
    const hz = Number(params.hz);
    const snapshots = Number(params.snapshots);
    const warnings: string[] = [];
    let name = String(pid);
    try {
      name = readStat(pid).comm;
    } catch {
      /* the collector says it in its own words */
    }
    const input = await collectHighCpu(pid, {
      durationMs,
      hz,
      snapshots,
      kernelSymbols: kernelNamesOrWarn(warnings),
      onProgress: (ms, n) =>
        ctx.onProgress({
          elapsedMs: ms,
          fraction: Math.min(0.97, ms / durationMs),
          detail: `${n.toLocaleString('en-US')} samples${ms >= durationMs ? '; now the Lua backtraces' : ''}`,
        }),
      signal: ctx.signal,
    });
    warnings.push(...input.cpu.warnings);
    if (input.cpu.exited.length > 0) warnings.push(`process ${pid} exited during sampling; the profile covers the ${(input.cpu.elapsedMs / 1000).toFixed(1)} s before`);
    if (!input.lua) warnings.push(`process ${pid} runs no LuaJIT VM that fluoro recognises: the report stays at the C level`);
    else if (input.lua.running === 0 && !ctx.signal.aborted) warnings.push('no Lua code ran while the backtraces were taken, so the report has no locals');
    const lua = input.lua;
    const report = analyzeHighCpu(input.profile, lua?.backtraces ?? [], lua?.running ?? 0);
    const data: HighCpuReportData = {
      process: name,
      elapsedMs: input.cpu.elapsedMs,
      hz,
      report,
      lua: lua ? { build: lua.build, snapshots: lua.running, idle: lua.idle, backtraces: lua.backtraces.slice(0, KEPT_BACKTRACES) } : null,
    };
    return {
      profile: input.profile,
      interrupted: input.cpu.interrupted || ctx.signal.aborted,
      exited: input.cpu.exited,
      warnings,
      result: { type: 'high-cpu-report', version: 1, data },
      summary: {
        samples: report.samples,
        lost: input.cpu.capture.dropped,
        elapsedMs: input.cpu.elapsedMs,
        snapshots: lua?.running ?? 0,
        verdict: report.verdict,
        ...(report.hottest ? { hottest: report.hottest.function, hottestShare: Math.round(report.hottest.share * 10) / 10 } : {}),
        suspicions: report.suspicions.length,
      },
    };
  },
};
