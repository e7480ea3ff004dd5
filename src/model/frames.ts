// Frames as people see them: one per line of a location (so inlined calls are frames of their
// own), each with a display name. Every output format names frames through this file.

import type { FrameKind, Location, Sample } from './profile.js';

export interface Frame {
  readonly name: string;
  readonly kind: FrameKind;
  /** True for a frame that the compiler inlined into its caller. */
  readonly inlined: boolean;
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Frames of one location, leaf first (the innermost inlined frame first). */
export function locationFrames(loc: Location): Frame[] {
  if (loc.lines.length === 0) {
    const name = loc.mapping
      ? `${basename(loc.mapping.file) || '[anon]'}+0x${(loc.address - loc.mapping.start + loc.mapping.offset).toString(16)}`
      : loc.address !== 0n
        ? `0x${loc.address.toString(16)}`
        : '[unknown]';
    return [{ name, kind: loc.kind, inlined: false }];
  }
  const out: Frame[] = [];
  loc.lines.forEach((line, i) => {
    const f = line.func;
    let name = f.name || '[unknown]';
    if (loc.kind !== 'native' && loc.kind !== 'kernel' && loc.kind !== 'jit' && f.file) {
      // Language frames carry their place in the source: "gcd @balancer.lua:41".
      name += line.line > 0 ? ` @${f.file}:${line.line}` : ` @${f.file}`;
    }
    out.push({ name, kind: loc.kind, inlined: i < loc.lines.length - 1 });
  });
  return out;
}

const cache = new WeakMap<readonly Location[], Frame[]>();

/** Frames of a sample's stack, root first, as flame graphs draw them. Cached per shared stack. */
export function stackFrames(sample: Sample): Frame[] {
  let frames = cache.get(sample.stack);
  if (!frames) {
    frames = [];
    for (let i = sample.stack.length - 1; i >= 0; i--) {
      const lf = locationFrames(sample.stack[i]!);
      for (let j = lf.length - 1; j >= 0; j--) frames.push(lf[j]!);
    }
    cache.set(sample.stack, frames);
  }
  return frames;
}
