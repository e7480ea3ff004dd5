// What a benchmark run records (results.json) and the numbers derived from it for the report.

import type { Machine } from './machine.js';
import type { SessionResult } from './session.js';
import { summarize, type Summary } from './stats.js';
import type { ViewerRecord } from './viewer.js';

export interface RunRecord extends Partial<SessionResult> {
  hz: number;
  rep: number;
  /** Throughput without a profiler, measured just before this repetition's profiled runs. */
  baseline: number;
  /** Throughput loss against the baseline, %. */
  lossPct?: number;
  error?: string;
}

export interface ToolRecord {
  tool: string;
  unavailable?: string;
  runs: RunRecord[];
}

export interface TargetRecord {
  name: string;
  description: string;
  unit: string;
  lua: boolean;
  /** The profiled process's CPU use without a profiler, % of one core (is it saturated?). */
  targetCpuPct?: number;
  baselines: { hz: number; rep: number; rate: number }[];
  tools: ToolRecord[];
  error?: string;
}

export interface BenchResults {
  machine: Machine;
  config: { quick: boolean; seconds: number; reps: number; hzs: number[]; pinning: string };
  targets: TargetRecord[];
  loadAverageAfter: string;
  wallSeconds: number;
  notes?: string[];
  /** The flame graph page on a large profile (bench/viewer.ts). */
  viewer?: ViewerRecord;
}

const ok = (r: RunRecord) => r.error === undefined && r.measures !== undefined;

export function lossAt(t: ToolRecord, hz: number): Summary | undefined {
  return summarize(t.runs.filter((r) => r.hz === hz && ok(r)).map((r) => r.lossPct ?? NaN));
}

/** A per-run measure at one rate, over the repetitions. */
export function measureAt(t: ToolRecord, hz: number, f: (r: RunRecord) => number | undefined): Summary | undefined {
  return summarize(t.runs.filter((r) => r.hz === hz && ok(r)).map((r) => f(r) ?? NaN));
}

export const completenessPct = (r: RunRecord) =>
  r.measures && r.measures.samples ? (100 * r.measures.complete) / r.measures.samples : undefined;
export const luaSharePct = (r: RunRecord) =>
  r.measures ? (r.measures.luaVmSamples ? (100 * r.measures.luaFrameSamples) / r.measures.luaVmSamples : 0) : undefined;

export function ttfg(t: ToolRecord, cold: boolean, hz: number): Summary | undefined {
  return summarize(t.runs.filter((r) => ok(r) && r.hz === hz && r.cold === cold).map((r) => r.ttfgMs ?? NaN));
}

/** Peak RSS over every run, KiB. */
export function peakRss(t: ToolRecord): number | undefined {
  const v = t.runs.filter(ok).map((r) => r.peakRssKb ?? 0);
  return v.length ? Math.max(...v) : undefined;
}
