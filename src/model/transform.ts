// Whole-profile transforms: merge, scale, focus/ignore by frame pattern, keep frames of some kinds.
// Each returns a new Profile and leaves its input untouched.

import { ProfileBuilder, copyLocation } from './builder.js';
import { locationFrames } from './frames.js';
import type { FrameKind, Location, Profile, Sample } from './profile.js';

/** Rebuilds `p`, letting `edit` rewrite (or drop, by returning undefined) each sample's stack. */
function rebuild(
  p: Profile,
  edit: (stack: readonly Location[], sample: Sample) => readonly Location[] | undefined,
  scaleValues: (v: number) => number = (v) => v,
): Profile {
  const b = new ProfileBuilder(p.sampleTypes, metaOf(p));
  const copied = new Map<Location, Location>();
  const copy = (l: Location): Location => {
    let c = copied.get(l);
    if (!c) copied.set(l, (c = copyLocation(b, l)));
    return c;
  };
  for (const s of p.samples) {
    const stack = edit(s.stack, s);
    if (!stack) continue;
    b.add(stack.map(copy), s.values.map(scaleValues), s.labels);
  }
  return b.build();
}

function metaOf(p: Profile) {
  return {
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    ...(p.periodType ? { periodType: p.periodType } : {}),
    period: p.period,
    comments: p.comments,
    defaultSampleType: p.defaultSampleType,
  };
}

/** Merges profiles with the same sample types into one; stacks and labels that match add up. */
export function merge(profiles: readonly Profile[]): Profile {
  const first = profiles[0];
  if (!first) throw new Error('nothing to merge');
  const types = JSON.stringify(first.sampleTypes);
  for (const p of profiles) {
    if (JSON.stringify(p.sampleTypes) !== types) throw new Error('cannot merge profiles with different sample types');
  }
  const b = new ProfileBuilder(first.sampleTypes, {
    ...metaOf(first),
    durationNanos: profiles.reduce((d, p) => d + p.durationNanos, 0n),
    comments: [...new Set(profiles.flatMap((p) => p.comments))],
  });
  for (const p of profiles) {
    const copied = new Map<Location, Location>();
    for (const s of p.samples) {
      const stack = s.stack.map((l) => {
        let c = copied.get(l);
        if (!c) copied.set(l, (c = copyLocation(b, l)));
        return c;
      });
      b.add(stack, s.values, s.labels);
    }
  }
  return b.build();
}

/** Multiplies every value by `factor` (rounded: values stay integers, as pprof wants). */
export function scale(p: Profile, factor: number): Profile {
  return rebuild(p, (stack) => stack, (v) => Math.round(v * factor));
}

function matches(loc: Location, re: RegExp): boolean {
  return locationFrames(loc).some((f) => re.test(f.name));
}

/**
 * Keeps only samples with a frame matching `re`, and cuts their stacks to start at the outermost
 * match (like pprof's -focus combined with a root at the focused frame).
 */
export function focus(p: Profile, re: RegExp): Profile {
  return rebuild(p, (stack) => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (matches(stack[i]!, re)) return stack.slice(0, i + 1);
    }
    return undefined;
  });
}

/** Drops samples that have any frame matching `re` (pprof's -ignore). */
export function ignore(p: Profile, re: RegExp): Profile {
  return rebuild(p, (stack) => (stack.some((l) => matches(l, re)) ? undefined : stack));
}

/**
 * Keeps only frames of the given kinds (`--lang lua` keeps lua and lua-builtin frames). Samples
 * left with no frame keep their weight under one frame named by `emptyName`, so totals hold.
 */
export function keepKinds(p: Profile, kinds: ReadonlySet<FrameKind>, emptyName: string): Profile {
  let empty: Location | undefined;
  const b0 = new ProfileBuilder(p.sampleTypes);
  return rebuild(p, (stack) => {
    const kept = stack.filter((l) => kinds.has(l.kind));
    if (kept.length > 0) return kept;
    empty ??= b0.frame('unknown', emptyName);
    return [empty];
  });
}
