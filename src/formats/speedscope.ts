// speedscope's file format (https://www.speedscope.app/file-format-schema.json): frames shared by
// all profiles, one "sampled" profile per sample type, stacks root first with a weight each.
//
// speedscope has no frame kinds, labels or inlining. Frames carry two extra properties, `kind`
// and `inlined`, which speedscope ignores and our reader uses; labels and profile metadata do not
// survive this format.

import { FluoroError } from '../errors.js';
import { ProfileBuilder, type LineSpec } from '../model/builder.js';
import { stackFrames } from '../model/frames.js';
import { FRAME_KINDS, total, type FrameKind, type Location, type Profile } from '../model/profile.js';
import { frameLocation } from './folded.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

interface SpeedscopeFrame {
  name: string;
  kind?: string;
  inlined?: boolean;
}

interface SampledProfile {
  type: 'sampled';
  name: string;
  unit: string;
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

interface SpeedscopeFile {
  $schema: string;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SampledProfile[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

const UNITS = new Set(['nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes']);

export function toSpeedscope(p: Profile, name = 'fluoro profile'): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = [];
  const frameIndex = new Map<string, number>();
  const stackIndexes = new Map<readonly Location[], number[]>();
  const indexesOf = (s: Profile['samples'][number]): number[] => {
    let idx = stackIndexes.get(s.stack);
    if (!idx) {
      idx = stackFrames(s).map((f) => {
        const key = `${f.kind}\0${f.inlined ? 1 : 0}\0${f.name}`;
        let i = frameIndex.get(key);
        if (i === undefined) {
          i = frames.length;
          frames.push({ name: f.name, kind: f.kind, ...(f.inlined ? { inlined: true } : {}) });
          frameIndex.set(key, i);
        }
        return i;
      });
      stackIndexes.set(s.stack, idx);
    }
    return idx;
  };
  const profiles = p.sampleTypes.map((t, vi): SampledProfile => {
    const samples: number[][] = [];
    const weights: number[] = [];
    for (const s of p.samples) {
      const v = s.values[vi] ?? 0;
      if (!(v > 0)) continue;
      samples.push(indexesOf(s));
      weights.push(v);
    }
    return { type: 'sampled', name: t.type, unit: UNITS.has(t.unit) ? t.unit : 'none', startValue: 0, endValue: total(p, vi), samples, weights };
  });
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles, name, activeProfileIndex: p.defaultSampleType, exporter: 'fluoro' };
}

export function writeSpeedscope(p: Profile, name?: string): string {
  return JSON.stringify(toSpeedscope(p, name)) + '\n';
}

export function isSpeedscope(buf: Uint8Array): boolean {
  const head = Buffer.from(buf.subarray(0, 4096)).toString('utf8');
  return /^\s*\{/.test(head) && head.includes('speedscope.app/file-format-schema');
}

function fail(why: string): never {
  throw new FluoroError(`not a readable speedscope profile (${why})`);
}

/** Reads the sampled profiles of a speedscope file, one sample type each. */
export function readSpeedscope(input: Uint8Array | string): Profile {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  } catch (e) {
    fail((e as Error).message);
  }
  const d = doc as Partial<{ shared: { frames: unknown }; profiles: unknown; activeProfileIndex: unknown }>;
  const rawFrames = d?.shared?.frames;
  if (!Array.isArray(rawFrames) || !Array.isArray(d.profiles)) fail('no shared frames or no profiles');
  const sampled = (d.profiles as unknown[]).filter(
    (x): x is SampledProfile =>
      typeof x === 'object' && x !== null && (x as SampledProfile).type === 'sampled' &&
      Array.isArray((x as SampledProfile).samples) && Array.isArray((x as SampledProfile).weights),
  );
  if (sampled.length === 0) fail('it has no sampled profiles');

  const b = new ProfileBuilder(
    sampled.map((sp) => ({ type: typeof sp.name === 'string' && sp.name ? sp.name : 'samples', unit: sp.unit && sp.unit !== 'none' ? String(sp.unit) : 'count' })),
    { defaultSampleType: Math.min(sampled.length - 1, Math.max(0, Number(d.activeProfileIndex) | 0)) },
  );
  const frames = rawFrames.map((f: unknown) => {
    const fr = (typeof f === 'object' && f !== null ? f : {}) as Partial<SpeedscopeFrame>;
    const kind = (FRAME_KINDS as readonly string[]).includes(fr.kind ?? '') ? (fr.kind as FrameKind) : 'native';
    return { name: typeof fr.name === 'string' ? fr.name : String(fr.name ?? '[unknown]'), kind, inlined: fr.inlined === true };
  });
  // Each shared frame becomes one line; inlined frames join the location of the frame below them.
  const lineCache = new Map<number, LineSpec>();
  const lineOf = (i: number): LineSpec => {
    let l = lineCache.get(i);
    if (!l) {
      const f = frames[i]!;
      const loc = frameLocation(b, f.kind, f.name);
      l = { func: loc.lines[0]!.func, line: loc.lines[0]!.line };
      lineCache.set(i, l);
    }
    return l;
  };

  sampled.forEach((sp, vi) => {
    sp.samples.forEach((stack, si) => {
      const w = Number(sp.weights[si]);
      if (!Array.isArray(stack) || !Number.isFinite(w)) fail(`sample ${si} of profile ${vi} is malformed`);
      const groups: { kind: FrameKind; lines: LineSpec[] }[] = [];
      for (const raw of stack) {
        const i = Number(raw);
        if (!Number.isInteger(i) || i < 0 || i >= frames.length) fail(`frame index ${String(raw)} is out of range`);
        const f = frames[i]!;
        const last = groups[groups.length - 1];
        if (f.inlined && last && last.kind === f.kind) last.lines.unshift(lineOf(i));
        else groups.push({ kind: f.kind, lines: [lineOf(i)] });
      }
      const leafFirst = groups.reverse().map((g) => b.location({ kind: g.kind, lines: g.lines }));
      const values = sampled.map((_, j) => (j === vi ? w : 0));
      b.add(leafFirst, values);
    });
  });
  return b.build();
}
