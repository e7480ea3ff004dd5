// ProfileBuilder: interns mappings, functions, locations and stacks, and aggregates samples that
// share a stack and labels, so memory grows with distinct stacks, not with sampling time.

import {
  PROFILE_VERSION,
  type FrameKind,
  type Func,
  type Labels,
  type Line,
  type Location,
  type Mapping,
  type Profile,
  type Sample,
  type SampleType,
} from './profile.js';

export interface FuncSpec {
  name: string;
  systemName?: string;
  file?: string;
  startLine?: number;
}

export interface LineSpec {
  func: Func;
  line?: number;
}

export interface LocationSpec {
  kind: FrameKind;
  address?: bigint;
  mapping?: Mapping;
  lines?: readonly LineSpec[];
}

export interface MappingSpec {
  start: bigint;
  limit: bigint;
  offset?: bigint;
  file: string;
  buildId?: string;
}

export interface ProfileMeta {
  timeNanos?: bigint;
  durationNanos?: bigint;
  periodType?: SampleType;
  period?: number;
  comments?: readonly string[];
  defaultSampleType?: number;
}

function labelsKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return JSON.stringify(keys.map((k) => [k, labels[k]]));
}

export class ProfileBuilder {
  readonly sampleTypes: readonly SampleType[];
  private readonly mappings: Mapping[] = [];
  private readonly mappingIndex = new Map<string, Mapping>();
  private readonly functions: Func[] = [];
  private readonly functionIndex = new Map<string, Func>();
  private readonly locations: Location[] = [];
  private readonly locationIndex = new Map<string, Location>();
  private readonly stacks = new Map<string, readonly Location[]>();
  private readonly samples: Sample[] = [];
  private readonly sampleIndex = new Map<string, Sample>();
  meta: ProfileMeta;

  constructor(sampleTypes: readonly SampleType[], meta: ProfileMeta = {}) {
    if (sampleTypes.length === 0) throw new Error('a profile needs at least one sample type');
    this.sampleTypes = sampleTypes;
    this.meta = meta;
  }

  mapping(spec: MappingSpec): Mapping {
    const key = `${spec.start}|${spec.limit}|${spec.offset ?? 0n}|${spec.file}|${spec.buildId ?? ''}`;
    let m = this.mappingIndex.get(key);
    if (!m) {
      m = {
        id: this.mappings.length + 1,
        start: spec.start,
        limit: spec.limit,
        offset: spec.offset ?? 0n,
        file: spec.file,
        buildId: spec.buildId ?? '',
      };
      this.mappings.push(m);
      this.mappingIndex.set(key, m);
    }
    return m;
  }

  func(spec: FuncSpec): Func {
    const key = `${spec.name}\0${spec.systemName ?? ''}\0${spec.file ?? ''}\0${spec.startLine ?? 0}`;
    let f = this.functionIndex.get(key);
    if (!f) {
      f = {
        id: this.functions.length + 1,
        name: spec.name,
        systemName: spec.systemName ?? spec.name,
        file: spec.file ?? '',
        startLine: spec.startLine ?? 0,
      };
      this.functions.push(f);
      this.functionIndex.set(key, f);
    }
    return f;
  }

  location(spec: LocationSpec): Location {
    const lines: Line[] = (spec.lines ?? []).map((l) => ({ func: l.func, line: l.line ?? 0 }));
    const key =
      `${spec.kind}|${spec.address ?? 0n}|${spec.mapping?.id ?? 0}|` + lines.map((l) => `${l.func.id}:${l.line}`).join(',');
    let loc = this.locationIndex.get(key);
    if (!loc) {
      loc = { id: this.locations.length + 1, kind: spec.kind, address: spec.address ?? 0n, mapping: spec.mapping, lines };
      this.locations.push(loc);
      this.locationIndex.set(key, loc);
    }
    return loc;
  }

  /** A location for a frame with a name and no address: the common case for interpreted code. */
  frame(kind: FrameKind, name: string, file = '', line = 0): Location {
    return this.location({ kind, lines: [{ func: this.func({ name, file }), line }] });
  }

  /** The interned stack for these locations (leaf first). */
  stack(locations: readonly Location[]): readonly Location[] {
    const key = locations.map((l) => l.id).join(',');
    let s = this.stacks.get(key);
    if (!s) {
      s = Object.freeze(locations.slice());
      this.stacks.set(key, s);
    }
    return s;
  }

  /** Adds values to the sample with this stack (leaf first) and labels, creating it if new. */
  add(locations: readonly Location[], values: readonly number[] | number, labels: Labels = {}): void {
    const vals = typeof values === 'number' ? [values] : values;
    if (vals.length !== this.sampleTypes.length) {
      throw new Error(`expected ${this.sampleTypes.length} values per sample, got ${vals.length}`);
    }
    const stack = this.stack(locations);
    const key = `${locations.map((l) => l.id).join(',')}#${labelsKey(labels)}`;
    const existing = this.sampleIndex.get(key);
    if (existing) {
      for (let i = 0; i < vals.length; i++) existing.values[i]! += vals[i]!;
      return;
    }
    const sample: Sample = { stack, values: vals.slice(), labels: Object.freeze({ ...labels }) };
    this.samples.push(sample);
    this.sampleIndex.set(key, sample);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  build(): Profile {
    return {
      version: PROFILE_VERSION,
      sampleTypes: this.sampleTypes,
      defaultSampleType: this.meta.defaultSampleType ?? 0,
      samples: this.samples.slice(),
      locations: this.locations.slice(),
      functions: this.functions.slice(),
      mappings: this.mappings.slice(),
      timeNanos: this.meta.timeNanos ?? 0n,
      durationNanos: this.meta.durationNanos ?? 0n,
      periodType: this.meta.periodType,
      period: this.meta.period ?? 0,
      comments: this.meta.comments ?? [],
    };
  }
}

/** Copies the parts of `loc` into builder `b`, returning the equivalent location there. */
export function copyLocation(b: ProfileBuilder, loc: Location): Location {
  const mapping = loc.mapping ? b.mapping(loc.mapping) : undefined;
  return b.location({
    kind: loc.kind,
    address: loc.address,
    ...(mapping ? { mapping } : {}),
    lines: loc.lines.map((l) => ({ func: b.func(l.func), line: l.line })),
  });
}
