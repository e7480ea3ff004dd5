// The differential flame graph of two profiles, "base" (older) and "target" (newer).
//
// Semantics: the graph is the target's flame graph — a frame's width is its share of the target's
// samples. Each frame (a call path from the root) also carries its share of the base's samples at
// the same path, and `delta` = target share − base share, in share points (0.05 = five points of
// the whole). Shares, not raw counts, are compared, so runs of different lengths or rates compare
// fairly. Red means the path takes a larger part of the time than before, blue a smaller one.
// Paths found only in the base cannot be drawn in the target's shape; the function table
// (`functionChanges` in analysis/function-changes.ts) lists them, with their lost share.

import type { Profile } from '../model/profile.js';
import { flameData, type FlameData } from './flamedata.js';

interface FlameDiffData extends FlameData {
  /** Per node of the target tree: the base's value at the same call path (0 when absent). */
  base: number[];
  baseTotal: number;
  /** Per node: target share − base share. */
  delta: number[];
}

/** Walks a flame payload in pre-order and gives each node an id for its call path. */
function pathIds(d: FlameData, ids: Map<string, number>, create: boolean): number[] {
  const out = new Array<number>(d.n.length).fill(-1);
  const stack: number[] = []; // path id per depth
  for (let i = 0; i < d.n.length; i++) {
    const depth = d.d[i]!;
    const parent = depth === 0 ? -1 : stack[depth - 1]!;
    let id = -1;
    if (depth === 0) id = 0;
    else if (parent >= 0) {
      const key = `${parent}\u0000${d.k[i]}\u0000${d.names[d.n[i]!]}`;
      id = ids.get(key) ?? -1;
      if (id < 0 && create) ids.set(key, (id = ids.size + 1));
    }
    stack[depth] = id;
    out[i] = id;
  }
  return out;
}

export function flameDiff(base: Profile, target: Profile): FlameDiffData {
  const a = flameData(base, { minShare: 0 });
  const b = flameData(target);
  const ids = new Map<string, number>();
  const aIds = pathIds(a, ids, true);
  const aValue = new Map<number, number>();
  aIds.forEach((id, i) => aValue.set(id, (aValue.get(id) ?? 0) + a.v[i]!));
  const bIds = pathIds(b, ids, false);
  const baseVals = bIds.map((id) => (id >= 0 ? aValue.get(id) ?? 0 : 0));
  const share = (v: number, t: number) => (t > 0 ? v / t : 0);
  const delta = b.v.map((v, i) => share(v, b.total) - share(baseVals[i]!, a.total));
  return { ...b, base: baseVals, baseTotal: a.total, delta };
}
