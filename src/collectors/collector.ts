// A collector: one question fluoro can answer about live processes (where the CPU goes, what the
// Lua code is doing, …). The command line, the agent (and through it the console), the HTTP API
// and the benchmarks all drive collectors through this one interface, so adding one is a file
// here, its BPF program and a line in registry.ts: its flags, its form and its API schema follow
// from its parameter list.

import type { Profile } from '../model/profile.js';
import { UsageError } from '../errors.js';
import type { ParamSpec, ParamValues } from './params.js';

/** What a collector looks at: some processes by PID, or every process on the host. */
export type Target = { pids: number[]; all?: false } | { pids?: undefined; all: true };

export interface Progress {
  elapsedMs: number;
  /** 0..1 when the run's length is known. */
  fraction?: number;
  /** Short words for people: "1,234 samples". */
  detail?: string;
}

export interface RunContext {
  onProgress(p: Progress): void;
  signal: AbortSignal;
}

/**
 * What a collector found beyond a profile (Lua backtraces, a report in words), kept with a run as
 * JSON. `type` names the shape of `data` and `version` its revision, so pages and readers can tell
 * what they hold. Strings in `data` that came from the target are untrusted.
 */
export interface ResultDocument {
  type: string;
  version: number;
  data: unknown;
}

export interface CollectorResult {
  /** The profile, with its sample types and units, when the collector makes one. */
  profile?: Profile;
  /** The collector's own findings, when it has any. */
  result?: ResultDocument;
  /** Cut short (a cancel, Ctrl-C): what is here covers the time before it. */
  interrupted: boolean;
  /** Targets that exited during the run; what is here covers the time before. */
  exited: number[];
  /** Facts for people and for the run's record (sample counts, elapsed time …); plain JSON. */
  summary: Record<string, unknown>;
  warnings: string[];
}

export interface Collector {
  /** The command's and the API's name: "cpu", "lua-bt". */
  readonly name: string;
  readonly title: string;
  /** One sentence: what it shows. */
  readonly description: string;
  /** "one": a single process by PID; "many": PIDs or --all. */
  readonly targets: 'one' | 'many';
  readonly params: readonly ParamSpec[];
  run(target: Target, params: ParamValues, ctx: RunContext): Promise<CollectorResult>;
}

/** A collector as the API describes it: what a form needs to draw it and check it. */
export interface CollectorInfo {
  name: string;
  title: string;
  description: string;
  params: ParamSpec[];
}

export function collectorInfo(c: Collector): CollectorInfo {
  // The flag is the command line's business, not the form's.
  const params = c.params.map(({ flag: _flag, ...p }) => p as ParamSpec);
  return { name: c.name, title: c.title, description: c.description, params };
}

/** The one target of a collector that takes a single process. */
export function singlePid(c: Collector, target: Target): number {
  if (target.all || target.pids.length !== 1) throw new UsageError(`${c.name} looks at one process at a time`);
  return target.pids[0]!;
}
