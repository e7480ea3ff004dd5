// A collector's parameters, declared once. The same list draws the console's form, checks the
// HTTP API's input, becomes the command line's flags (src/cli/collector-command.ts) and the
// OpenAPI schema, so a default or a limit cannot differ between them.

import { UsageError } from '../errors.js';

interface ParamBase {
  /** The key in API bodies and stored settings ("durationMs"). */
  name: string;
  /** The form's label. */
  label: string;
  help?: string;
  /**
   * The command line's flag, in commander's syntax without the value ("-d, --duration"). Absent: a
   * long flag made from the name (durationMs → --duration-ms). A boolean whose default is true
   * also gets its --no- form.
   */
  flag?: string;
}

export type ParamSpec =
  | (ParamBase & { type: 'duration'; default: number; min: number; max: number })
  | (ParamBase & { type: 'integer'; default: number; min: number; max: number; unit?: string })
  | (ParamBase & { type: 'choice'; default: string; choices: { value: string; label: string }[] })
  | (ParamBase & { type: 'boolean'; default: boolean });

export type ParamValues = Record<string, number | string | boolean>;

/** How a parameter is named in an error: its API name, or its flag on the command line. */
type ParamNamer = (p: ParamSpec) => string;

const byName: ParamNamer = (p) => p.name;

/** "10", "10s", "500ms", "2m", "1.5s" → milliseconds; undefined when it is none of those. */
function durationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
}

function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000} min`;
  if (ms % 1000 === 0 && ms >= 1000) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Text for people: a parameter's range ("100 ms to 10 min", "1 to 10000 Hz"). */
export function describeRange(p: ParamSpec): string | undefined {
  if (p.type === 'duration') return `${describeMs(p.min)} to ${describeMs(p.max)}`;
  if (p.type === 'integer') return `${p.min} to ${p.max}${p.unit ? ' ' + p.unit : ''}`;
  return undefined;
}

function parseOne(p: ParamSpec, v: unknown, name: string, fromText: boolean): number | string | boolean {
  if (p.type === 'boolean') {
    if (v === true || v === 'true' || v === '1' || v === 1) return true;
    if (v === false || v === 'false' || v === '0' || v === 0) return false;
    throw new UsageError(`${name} must be true or false`);
  }
  if (p.type === 'choice') {
    if (typeof v !== 'string' || !p.choices.some((c) => c.value === v)) {
      const values = p.choices.map((c) => c.value);
      const which = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
      throw new UsageError(`${name} must be ${which}${typeof v === 'string' && fromText ? `, not ${JSON.stringify(v.slice(0, 40))}` : ''}`);
    }
    return v;
  }
  let n: unknown = v;
  if (typeof v === 'string') {
    // Text from a command line says its unit ("10s"); the API's numbers are milliseconds.
    if (p.type === 'duration' && fromText) {
      n = durationMs(v);
      if (n === undefined) throw new UsageError(`${name} must be a duration like 10s, 500ms or 2m, not ${JSON.stringify(v.slice(0, 40))}`);
    } else if (/^\s*\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  }
  if (typeof n !== 'number' || !Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) {
    const text = fromText && typeof v === 'string' ? `, not ${JSON.stringify(v.slice(0, 40))}` : '';
    throw new UsageError(`${name} must be a ${p.type === 'integer' ? 'whole number' : 'number of milliseconds'}${text}`);
  }
  if (n < p.min || n > p.max) {
    if (p.type === 'duration' && fromText) throw new UsageError(`${name} must be between ${describeMs(p.min)} and ${describeMs(p.max)}, not ${describeMs(n)}`);
    throw new UsageError(`${name} must be between ${p.min} and ${p.max}, not ${n}`);
  }
  return Math.round(n);
}

/**
 * Checks raw values against a parameter list and fills in defaults. Unknown keys are refused, so a
 * typo does not silently run with a default. `fromText` reads durations with their units, as typed
 * on a command line; `nameOf` names a parameter in the error ("--hz" there, "hz" in the API).
 */
export function parseParams(
  owner: string, params: readonly ParamSpec[], raw: unknown, o: { fromText?: boolean; nameOf?: ParamNamer } = {},
): ParamValues {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('params must be an object');
  const input = raw as Record<string, unknown>;
  const known = new Set(params.map((p) => p.name));
  for (const k of Object.keys(input)) {
    if (!known.has(k)) throw new UsageError(`${owner} has no parameter ${JSON.stringify(k.slice(0, 40))}`);
  }
  const nameOf = o.nameOf ?? byName;
  const out: ParamValues = {};
  for (const p of params) {
    const v = input[p.name];
    out[p.name] = v === undefined || v === null || v === '' ? p.default : parseOne(p, v, nameOf(p), o.fromText === true);
  }
  return out;
}
