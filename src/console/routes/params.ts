// Checking what arrives in a request: ids, numbers and bounded strings, each failure a UsageError.

import { UsageError } from '../../errors.js';

export function parseId(v: unknown, name = 'id'): number {
  const s = String(v ?? '');
  if (!/^\d{1,15}$/.test(s) || Number(s) < 1) throw new UsageError(`${name} must be a positive whole number`);
  return Number(s);
}

export function optionalInt(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  const s = String(v);
  if (!/^\d{1,15}$/.test(s)) throw new UsageError(`${name} must be a whole number`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}`);
  return n;
}

/** A string from a client, bounded; undefined when absent. */
export function optionalText(v: unknown, name: string, max = 4096): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new UsageError(`${name} must be a string`);
  if (v.length > max) throw new UsageError(`${name} must be at most ${max} characters`);
  return v;
}

export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('the request body must be a JSON object');
  return body as Record<string, unknown>;
}
