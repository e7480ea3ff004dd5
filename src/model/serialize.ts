// The Profile as a versioned JSON document, for storage. Objects become id references; bigints
// become decimal strings. Older documents are upgraded on read, one version step at a time.

import { ProfileBuilder } from './builder.js';
import {
  FRAME_KINDS,
  PROFILE_VERSION,
  type FrameKind,
  type Func,
  type Labels,
  type Location,
  type Mapping,
  type Profile,
  type SampleType,
} from './profile.js';

export interface ProfileDocument {
  format: 'fluoro-profile';
  version: number;
  sampleTypes: { type: string; unit: string }[];
  defaultSampleType: number;
  timeNanos: string;
  durationNanos: string;
  periodType: { type: string; unit: string } | null;
  period: number;
  comments: string[];
  mappings: { id: number; start: string; limit: string; offset: string; file: string; buildId: string }[];
  functions: { id: number; name: string; systemName: string; file: string; startLine: number }[];
  locations: { id: number; kind: FrameKind; address: string; mapping: number; lines: [number, number][] }[];
  samples: { stack: number[]; values: number[]; labels: Record<string, string | number> }[];
}

export function toDocument(p: Profile): ProfileDocument {
  return {
    format: 'fluoro-profile',
    version: PROFILE_VERSION,
    sampleTypes: p.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
    defaultSampleType: p.defaultSampleType,
    timeNanos: p.timeNanos.toString(),
    durationNanos: p.durationNanos.toString(),
    periodType: p.periodType ? { ...p.periodType } : null,
    period: p.period,
    comments: [...p.comments],
    mappings: p.mappings.map((m) => ({
      id: m.id,
      start: m.start.toString(),
      limit: m.limit.toString(),
      offset: m.offset.toString(),
      file: m.file,
      buildId: m.buildId,
    })),
    functions: p.functions.map((f) => ({ ...f })),
    locations: p.locations.map((l) => ({
      id: l.id,
      kind: l.kind,
      address: l.address.toString(),
      mapping: l.mapping?.id ?? 0,
      lines: l.lines.map((ln): [number, number] => [ln.func.id, ln.line]),
    })),
    samples: p.samples.map((s) => ({ stack: s.stack.map((l) => l.id), values: [...s.values], labels: { ...s.labels } })),
  };
}

/** Migrations: upgrades[v] turns a version-v document into version v+1. */
const upgrades: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {};

/** A document that is not a profile this fluoro can read; the message says what is wrong, in one sentence. */
export class ProfileFormatError extends Error {}

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

// Checks of one field each: a document comes from outside (an upload, an old store), so every
// field is checked for its type and range before it is used, and the first that fails is named.
function bad(path: string, what: string): never {
  throw new ProfileFormatError(`not a valid fluoro profile document: ${path} must be ${what}`);
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'an object');
  return v as Record<string, unknown>;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'an array');
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string') bad(path, 'a string');
  return v;
}

function whole(v: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    bad(path, min === 1 ? 'a positive whole number' : min === 0 ? 'a whole number, 0 or more' : 'a whole number');
  }
  return v;
}

/** A sample value or the period: a finite amount, 0 or more, small enough to add up exactly. */
function amount(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) bad(path, 'a number from 0 to 2^53');
  return v;
}

/** A 64-bit quantity, written as a decimal string. */
function decimal(v: unknown, path: string, max: bigint): bigint {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v) || BigInt(v) > max) bad(path, `a decimal string from 0 to ${max}`);
  return BigInt(v);
}

function valueType(v: unknown, path: string): SampleType {
  const t = object(v, path);
  return { type: text(t.type, `${path}.type`), unit: text(t.unit, `${path}.unit`) };
}

/** The id of entry `path`, which no earlier entry of `seen` may have. */
function newId(v: unknown, path: string, seen: ReadonlyMap<number, unknown>): number {
  const id = whole(v, `${path}.id`, 1);
  if (seen.has(id)) throw new ProfileFormatError(`not a valid fluoro profile document: ${path} repeats id ${id}`);
  return id;
}

function labels(v: unknown, path: string): Labels {
  if (v === undefined) return {};
  const o = object(v, path);
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== 'string' && (typeof x !== 'number' || !Number.isFinite(x))) bad(`${path}.${k.slice(0, 40)}`, 'a string or a number');
  }
  return o as Labels;
}

/** The document's version, upgraded to the current one. */
function current(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || (input as { format?: unknown }).format !== 'fluoro-profile') {
    throw new ProfileFormatError('not a fluoro profile document');
  }
  let doc = input as Record<string, unknown>;
  let version = Number(doc.version);
  if (!Number.isInteger(version) || version < 1) throw new ProfileFormatError(`bad profile version ${String(doc.version).slice(0, 40)}`);
  if (version > PROFILE_VERSION) {
    throw new ProfileFormatError(`profile version ${version} is newer than this fluoro understands (${PROFILE_VERSION})`);
  }
  while (version < PROFILE_VERSION) {
    const up = upgrades[version];
    if (!up) throw new ProfileFormatError(`no upgrade from profile version ${version}`);
    doc = up(doc);
    version++;
  }
  return doc;
}

/** The Profile a document holds. Throws ProfileFormatError, naming the first field that is wrong. */
export function fromDocument(input: unknown): Profile {
  const d = current(input);
  const sampleTypes = array(d.sampleTypes, 'sampleTypes').map((t, i) => valueType(t, `sampleTypes[${i}]`));
  if (sampleTypes.length === 0) bad('sampleTypes', 'a list of at least one sample type');
  const defaultSampleType = whole(d.defaultSampleType, 'defaultSampleType', 0);
  if (defaultSampleType >= sampleTypes.length) bad('defaultSampleType', `the index of one of the ${sampleTypes.length} sample types`);
  const b = new ProfileBuilder(sampleTypes, {
    timeNanos: decimal(d.timeNanos, 'timeNanos', I64_MAX),
    durationNanos: decimal(d.durationNanos, 'durationNanos', I64_MAX),
    ...(d.periodType === null || d.periodType === undefined ? {} : { periodType: valueType(d.periodType, 'periodType') }),
    period: amount(d.period, 'period'),
    comments: array(d.comments, 'comments').map((c, i) => text(c, `comments[${i}]`)),
    defaultSampleType,
  });

  const mappings = new Map<number, Mapping>();
  array(d.mappings, 'mappings').forEach((v, i) => {
    const p = `mappings[${i}]`;
    const m = object(v, p);
    const id = newId(m.id, p, mappings);
    mappings.set(id, b.mapping({
      start: decimal(m.start, `${p}.start`, U64_MAX),
      limit: decimal(m.limit, `${p}.limit`, U64_MAX),
      offset: decimal(m.offset, `${p}.offset`, U64_MAX),
      file: text(m.file, `${p}.file`),
      buildId: text(m.buildId, `${p}.buildId`),
    }));
  });

  const funcs = new Map<number, Func>();
  array(d.functions, 'functions').forEach((v, i) => {
    const p = `functions[${i}]`;
    const f = object(v, p);
    const id = newId(f.id, p, funcs);
    funcs.set(id, b.func({
      name: text(f.name, `${p}.name`),
      systemName: text(f.systemName, `${p}.systemName`),
      file: text(f.file, `${p}.file`),
      startLine: whole(f.startLine, `${p}.startLine`),
    }));
  });

  const locs = new Map<number, Location>();
  array(d.locations, 'locations').forEach((v, i) => {
    const p = `locations[${i}]`;
    const l = object(v, p);
    const id = newId(l.id, p, locs);
    if (!FRAME_KINDS.includes(l.kind as FrameKind)) throw new ProfileFormatError(`unknown frame kind ${JSON.stringify(l.kind)?.slice(0, 40)}`);
    const mappingId = whole(l.mapping, `${p}.mapping`, 0);
    const mapping = mappings.get(mappingId);
    if (mappingId !== 0 && !mapping) throw new ProfileFormatError(`location ${id} names missing mapping ${mappingId}`);
    const lines = array(l.lines, `${p}.lines`).map((ln, j) => {
      const pair = array(ln, `${p}.lines[${j}]`);
      if (pair.length !== 2) bad(`${p}.lines[${j}]`, 'a [function id, line] pair');
      const fid = whole(pair[0], `${p}.lines[${j}][0]`, 1);
      const func = funcs.get(fid);
      if (!func) throw new ProfileFormatError(`location ${id} names missing function ${fid}`);
      return { func, line: whole(pair[1], `${p}.lines[${j}][1]`) };
    });
    locs.set(id, b.location({ kind: l.kind as FrameKind, address: decimal(l.address, `${p}.address`, U64_MAX), ...(mapping ? { mapping } : {}), lines }));
  });

  array(d.samples, 'samples').forEach((v, i) => {
    const p = `samples[${i}]`;
    const s = object(v, p);
    const stack = array(s.stack, `${p}.stack`).map((x, j) => {
      const id = whole(x, `${p}.stack[${j}]`, 1);
      const loc = locs.get(id);
      if (!loc) throw new ProfileFormatError(`sample names missing location ${id}`);
      return loc;
    });
    const values = array(s.values, `${p}.values`);
    if (values.length !== sampleTypes.length) bad(`${p}.values`, `a list of ${sampleTypes.length} value${sampleTypes.length === 1 ? '' : 's'}, one per sample type`);
    b.add(stack, values.map((x, j) => amount(x, `${p}.values[${j}]`)), labels(s.labels, `${p}.labels`));
  });
  return b.build();
}
