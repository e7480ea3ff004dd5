// Folded stacks, the format of Brendan Gregg's FlameGraph tools and the lingua franca of our tests:
//   root;child;leaf 42
// Frame kinds travel as FlameGraph's suffix annotations: _[k] kernel, _[j] JIT, _[i] inlined, and
// ours for language frames (_[lua], _[luab], _[py], ...). Native frames carry none.

import { ProfileBuilder } from '../model/builder.js';
import { stackFrames } from '../model/frames.js';
import type { FrameKind, Location, Profile } from '../model/profile.js';

const SUFFIX: Record<FrameKind, string> = {
  kernel: '_[k]',
  native: '',
  jit: '_[j]',
  lua: '_[lua]',
  'lua-builtin': '_[luab]',
  python: '_[py]',
  php: '_[php]',
  perl: '_[pl]',
  go: '_[go]',
  node: '_[js]',
  ruby: '_[rb]',
  unknown: '_[u]',
  group: '_[g]',
};

const KIND_OF_SUFFIX = new Map<string, FrameKind>(
  Object.entries(SUFFIX)
    .filter(([, s]) => s !== '')
    .map(([k, s]) => [s, k as FrameKind]),
);

interface FoldedOptions {
  /** Append kind annotations (default true). */
  annotate?: boolean;
  valueIndex?: number;
}

/** Makes a frame name safe for one folded line: no separators, no line breaks, bounded. */
function foldedSafe(name: string): string {
  let s = name.replace(/[;\r\n\t\x00-\x1f\x7f]/g, (c) => (c === ';' ? ':' : ' '));
  if (s.length > 1024) s = s.slice(0, 1021) + '...';
  return s;
}

export function writeFolded(p: Profile, opts: FoldedOptions = {}): string {
  const annotate = opts.annotate ?? true;
  const vi = opts.valueIndex ?? p.defaultSampleType;
  const lines = new Map<string, number>();
  for (const s of p.samples) {
    const v = s.values[vi] ?? 0;
    if (v === 0) continue;
    const key = stackFrames(s)
      .map((f) => foldedSafe(f.name) + (annotate ? (f.inlined && f.kind === 'native' ? '_[i]' : SUFFIX[f.kind]) : ''))
      .join(';');
    lines.set(key, (lines.get(key) ?? 0) + v);
  }
  return [...lines.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k} ${v}\n`)
    .join('');
}

/**
 * Reads folded stacks into a Profile with one "samples" value. Lines that are not "stack count"
 * are rejected with their line number; kind annotations are understood and removed.
 */
export function readFolded(text: string, sampleType = { type: 'samples', unit: 'count' }): Profile {
  const b = new ProfileBuilder([sampleType]);
  const cache = new Map<string, Location>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) return;
    const sp = line.lastIndexOf(' ');
    const count = sp > 0 ? Number(line.slice(sp + 1)) : NaN;
    if (!Number.isFinite(count) || count < 0) throw new Error(`folded line ${i + 1}: expected "frame;frame count"`);
    const names = line.slice(0, sp).split(';');
    // Group root-first: a frame marked inlined joins the location of the frame it was inlined
    // into, as its innermost line, so "outer;inner_[i]" reads back as one location.
    const groups: string[][] = [];
    for (const token of names) {
      const last = groups[groups.length - 1];
      if (token.endsWith('_[i]') && last && !/_\[[a-z]+\]$/.test(last[0]!)) last.push(token);
      else groups.push([token]);
    }
    const stack: Location[] = [];
    for (let j = groups.length - 1; j >= 0; j--) {
      const group = groups[j]!;
      const key = group.join(';');
      let loc = cache.get(key);
      if (!loc) {
        loc = group.length === 1 ? tokenLocation(b, group[0]!) : inlinedLocation(b, group);
        cache.set(key, loc);
      }
      stack.push(loc);
    }
    b.add(stack, count);
  });
  return b.build();
}

function tokenLocation(b: ProfileBuilder, token: string): Location {
  const m = /_\[[a-z]+\]$/.exec(token);
  const k = m ? (m[0] === '_[i]' ? 'native' : KIND_OF_SUFFIX.get(m[0])) : undefined;
  return k ? frameLocation(b, k, token.slice(0, m!.index)) : frameLocation(b, 'native', token);
}

/** One native location from a caller and the frames inlined into it (root first, "_[i]" marked). */
function inlinedLocation(b: ProfileBuilder, group: string[]): Location {
  const lines = group
    .map((t) => ({ func: b.func({ name: t.endsWith('_[i]') ? t.slice(0, -4) : t }) }))
    .reverse();
  return b.location({ kind: 'native', lines });
}

/** Language frames are written "name @file:line"; split them back so the round trip is exact. */
export function frameLocation(b: ProfileBuilder, kind: FrameKind, name: string): Location {
  if (kind !== 'native' && kind !== 'kernel' && kind !== 'jit') {
    const m = / @(.*?)(?::(\d+))?$/.exec(name);
    if (m) return b.frame(kind, name.slice(0, m.index), m[1], m[2] ? Number(m[2]) : 0);
  }
  return b.frame(kind, name);
}
