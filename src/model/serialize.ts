// The Profile as a versioned JSON document, for storage. Objects become id references; bigints
// become decimal strings. Older documents are upgraded on read, one version step at a time.

import { ProfileBuilder } from './builder.js';
import { FRAME_KINDS, PROFILE_VERSION, type FrameKind, type Func, type Location, type Mapping, type Profile } from './profile.js';

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

export class ProfileFormatError extends Error {}

export function fromDocument(input: unknown): Profile {
  if (typeof input !== 'object' || input === null || (input as { format?: unknown }).format !== 'fluoro-profile') {
    throw new ProfileFormatError('not a fluoro profile document');
  }
  let doc = input as Record<string, unknown>;
  let version = Number(doc.version);
  if (!Number.isInteger(version) || version < 1) throw new ProfileFormatError(`bad profile version ${String(doc.version)}`);
  if (version > PROFILE_VERSION) {
    throw new ProfileFormatError(`profile version ${version} is newer than this fluoro understands (${PROFILE_VERSION})`);
  }
  while (version < PROFILE_VERSION) {
    const up = upgrades[version];
    if (!up) throw new ProfileFormatError(`no upgrade from profile version ${version}`);
    doc = up(doc);
    version++;
  }
  const d = doc as unknown as ProfileDocument;
  const b = new ProfileBuilder(d.sampleTypes, {
    timeNanos: BigInt(d.timeNanos),
    durationNanos: BigInt(d.durationNanos),
    ...(d.periodType ? { periodType: d.periodType } : {}),
    period: d.period,
    comments: d.comments,
    defaultSampleType: d.defaultSampleType,
  });
  const mappings = new Map<number, Mapping>();
  for (const m of d.mappings) {
    mappings.set(m.id, b.mapping({ start: BigInt(m.start), limit: BigInt(m.limit), offset: BigInt(m.offset), file: m.file, buildId: m.buildId }));
  }
  const funcs = new Map<number, Func>();
  for (const f of d.functions) funcs.set(f.id, b.func(f));
  const locs = new Map<number, Location>();
  for (const l of d.locations) {
    if (!FRAME_KINDS.includes(l.kind)) throw new ProfileFormatError(`unknown frame kind ${JSON.stringify(l.kind)}`);
    const mapping = mappings.get(l.mapping);
    locs.set(
      l.id,
      b.location({
        kind: l.kind,
        address: BigInt(l.address),
        ...(mapping ? { mapping } : {}),
        lines: l.lines.map(([fid, line]) => {
          const func = funcs.get(fid);
          if (!func) throw new ProfileFormatError(`location ${l.id} names missing function ${fid}`);
          return { func, line };
        }),
      }),
    );
  }
  for (const s of d.samples) {
    const stack = s.stack.map((id) => {
      const loc = locs.get(id);
      if (!loc) throw new ProfileFormatError(`sample names missing location ${id}`);
      return loc;
    });
    b.add(stack, s.values, s.labels);
  }
  return b.build();
}
