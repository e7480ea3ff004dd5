// An analysis kind: what the console's form asks for, how its answers are checked, and how the
// agent runs it on one process. Adding a kind (lua-bt, analyze, …) is one file in kinds/ and a
// line in registry.ts; the console's job system, history and form need no change.

import { UsageError } from '../errors.js';
import type { Profile } from '../model/profile.js';

/** One field of the form: enough for a web page to draw it and for the agent to check it. */
export type ParamSpec =
  | { name: string; label: string; type: 'duration'; default: number; min: number; max: number; help?: string }
  | { name: string; label: string; type: 'integer'; default: number; min: number; max: number; unit?: string; help?: string }
  | { name: string; label: string; type: 'choice'; default: string; choices: { value: string; label: string }[]; help?: string }
  | { name: string; label: string; type: 'boolean'; default: boolean; help?: string };

export type ParamValues = Record<string, number | string | boolean>;

export interface AnalysisProgress {
  elapsedMs: number;
  /** 0..1 when the run's length is known. */
  fraction?: number;
  /** Short words for people: "1,234 samples". */
  detail?: string;
}

export interface RunContext {
  onProgress(p: AnalysisProgress): void;
  signal: AbortSignal;
}

/**
 * What a kind found beyond a profile (Lua backtraces, a report in words), kept with the run as
 * JSON. `type` names the shape of `data` and `version` its revision, so pages and readers can
 * tell what they hold. Strings in `data` that came from the target are untrusted.
 */
export interface ResultDocument {
  type: string;
  version: number;
  data: unknown;
}

export interface AnalysisResult {
  /** The profile, when the kind makes one. */
  profile?: Profile;
  /** The kind's own findings, when it has any. */
  result?: ResultDocument;
  /** Cut short by a cancel: what is here covers the time before it. */
  interrupted: boolean;
  /** Facts for the run's record (sample counts, elapsed time …); plain JSON. */
  summary: Record<string, unknown>;
  warnings: string[];
}

export interface AnalysisKind {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly params: readonly ParamSpec[];
  run(pid: number, params: ParamValues, ctx: RunContext): Promise<AnalysisResult>;
}

/** Public description of a kind, as the API serves it. */
export interface AnalysisKindInfo {
  name: string;
  title: string;
  description: string;
  params: ParamSpec[];
}

export function kindInfo(k: AnalysisKind): AnalysisKindInfo {
  return { name: k.name, title: k.title, description: k.description, params: [...k.params] };
}

/**
 * Checks raw form values against a kind's fields and fills in defaults. Unknown fields are
 * refused, so a typo does not silently run with a default.
 */
export function parseParams(kind: AnalysisKind, raw: unknown): ParamValues {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('params must be an object');
  const input = raw as Record<string, unknown>;
  const known = new Set(kind.params.map((p) => p.name));
  for (const k of Object.keys(input)) {
    if (!known.has(k)) throw new UsageError(`${kind.name} has no parameter ${JSON.stringify(k.slice(0, 40))}`);
  }
  const out: ParamValues = {};
  for (const p of kind.params) {
    const v = input[p.name];
    if (v === undefined || v === null || v === '') {
      out[p.name] = p.default;
      continue;
    }
    if (p.type === 'boolean') {
      if (v === true || v === 'true' || v === '1' || v === 1) out[p.name] = true;
      else if (v === false || v === 'false' || v === '0' || v === 0) out[p.name] = false;
      else throw new UsageError(`${p.name} must be true or false`);
      continue;
    }
    if (p.type === 'choice') {
      if (typeof v !== 'string' || !p.choices.some((c) => c.value === v)) {
        throw new UsageError(`${p.name} must be one of ${p.choices.map((c) => c.value).join(', ')}`);
      }
      out[p.name] = v;
      continue;
    }
    const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) {
      throw new UsageError(`${p.name} must be a ${p.type === 'integer' ? 'whole number' : 'number of milliseconds'}`);
    }
    if (n < p.min || n > p.max) throw new UsageError(`${p.name} must be between ${p.min} and ${p.max}, not ${n}`);
    out[p.name] = Math.round(n);
  }
  return out;
}
