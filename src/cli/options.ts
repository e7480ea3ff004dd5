// Parsing and validating the flags that several commands share. Each failure is a UsageError
// with one sentence that says what was wrong and what is accepted.

import { UsageError } from '../errors.js';

/** "10", "10s", "500ms", "2m", "1.5s" → milliseconds. */
export function parseDuration(text: string, flag = '--duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/.exec(text);
  if (!m) throw new UsageError(`${flag} must be a duration like 10s, 500ms or 2m, not ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
  if (!(ms >= 10)) throw new UsageError(`${flag} must be at least 10ms`);
  if (ms > 24 * 3600_000) throw new UsageError(`${flag} must be at most 24 hours`);
  return Math.round(ms);
}

export function parseIntFlag(text: string, flag: string, min: number, max: number): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${flag} must be a whole number, not ${JSON.stringify(text)}`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, not ${n}`);
  return n;
}

/** A PID as given on the command line. Whether the process exists is checked by the caller. */
export function parsePid(text: string, flag = '--pid'): number {
  return parseIntFlag(text, flag, 1, 2 ** 22);
}
