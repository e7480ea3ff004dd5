// Self and total per function: the table beside every flame graph.

import { stackFrames } from './frames.js';
import type { FrameKind, Profile } from './profile.js';

export interface FunctionCost {
  readonly name: string;
  readonly kind: FrameKind;
  /** Weight of samples whose leaf frame is this function. */
  readonly self: number;
  /** Weight of samples with this function anywhere on the stack (counted once per sample). */
  readonly total: number;
}

/** Self and total per frame name, sorted by self then total, both descending. */
export function functionCosts(p: Profile, valueIndex = p.defaultSampleType): FunctionCost[] {
  const rows = new Map<string, { name: string; kind: FrameKind; self: number; total: number }>();
  for (const s of p.samples) {
    const v = s.values[valueIndex] ?? 0;
    if (v === 0) continue;
    const frames = stackFrames(s);
    const seen = new Set<string>();
    frames.forEach((f, i) => {
      const key = `${f.kind}\0${f.name}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { name: f.name, kind: f.kind, self: 0, total: 0 }));
      if (!seen.has(key)) {
        seen.add(key);
        row.total += v;
      }
      if (i === frames.length - 1) row.self += v;
    });
  }
  return [...rows.values()].sort((a, b) => b.self - a.self || b.total - a.total || (a.name < b.name ? -1 : 1));
}
