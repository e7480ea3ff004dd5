// Functions whose share of the time changed between two profiles, "base" (older) and "target"
// (newer): the table beside the differential flame graph. Shares of each profile's whole are
// compared, not counts, so runs of different lengths or rates compare fairly; functions found in
// only one of the two are listed too, with a share of 0 in the other.

import { functionCosts } from '../model/summary.js';
import type { FrameKind, Profile } from '../model/profile.js';

interface FunctionChange {
  name: string;
  kind: FrameKind;
  /** Shares of the whole (0..1) in each profile. */
  baseSelf: number;
  targetSelf: number;
  baseTotal: number;
  targetTotal: number;
}

/** Functions whose share changed most (by self, then total), grown and shrunk alike. */
export function functionChanges(base: Profile, target: Profile, limit = 50): FunctionChange[] {
  const whole = (p: Profile) => p.samples.reduce((s, x) => s + (x.values[p.defaultSampleType] ?? 0), 0) || 1;
  const wa = whole(base);
  const wb = whole(target);
  const rows = new Map<string, FunctionChange>();
  const row = (name: string, kind: FrameKind) => {
    const key = `${kind}\u0000${name}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { name, kind, baseSelf: 0, targetSelf: 0, baseTotal: 0, targetTotal: 0 }));
    return r;
  };
  for (const f of functionCosts(base)) Object.assign(row(f.name, f.kind), { baseSelf: f.self / wa, baseTotal: f.total / wa });
  for (const f of functionCosts(target)) Object.assign(row(f.name, f.kind), { targetSelf: f.self / wb, targetTotal: f.total / wb });
  const change = (r: FunctionChange) => Math.abs(r.targetSelf - r.baseSelf) * 4 + Math.abs(r.targetTotal - r.baseTotal);
  return [...rows.values()].sort((x, y) => change(y) - change(x)).slice(0, limit);
}
