// The data behind the interactive flame graph, as one compact JSON payload: a string table and
// the merged tree as flat pre-order arrays (name index, kind index, depth, value, self). Positions
// are not sent; the viewer recomputes them from depths and values in one pass. The web console
// serves this payload on its own; html.ts embeds it in a page.

import { FRAME_KINDS, type Profile } from '../model/profile.js';
import { jsonForScript } from './escape.js';
import { buildFlameTree } from './flametree.js';
import { paletteTable, type KindColour } from './palette.js';

const FLAME_DATA_VERSION = 1;

export interface FlameData {
  version: number;
  /** Sample type shown, e.g. {type: "cpu", unit: "nanoseconds"}. */
  type: string;
  unit: string;
  total: number;
  /** Palette in FRAME_KINDS order; `k` values index it. */
  kinds: (KindColour & { name: string })[];
  names: string[];
  n: number[];
  k: number[];
  d: number[];
  v: number[];
  s: number[];
}

export interface FlameDataOptions {
  valueIndex?: number;
  /**
   * Frames below this share of the total are left out (default one millionth: such a frame is
   * under a pixel wide even zoomed a thousand times on a 1000-pixel screen).
   */
  minShare?: number;
}

export function flameData(p: Profile, opts: FlameDataOptions = {}): FlameData {
  const vi = opts.valueIndex ?? p.defaultSampleType;
  const st = p.sampleTypes[vi] ?? { type: 'samples', unit: 'count' };
  let whole = 0;
  for (const s of p.samples) {
    const v = s.values[vi] ?? 0;
    if (v > 0 && Number.isFinite(v)) whole += v;
  }
  const tree = buildFlameTree(p, { valueIndex: vi, minValue: whole * (opts.minShare ?? 1e-6) });
  return {
    version: FLAME_DATA_VERSION,
    type: st.type,
    unit: st.unit,
    total: tree.total,
    kinds: paletteTable().map((c, i) => ({ ...c, name: FRAME_KINDS[i] ?? 'unknown' })),
    names: tree.names,
    n: Array.from(tree.name),
    k: Array.from(tree.kind),
    d: Array.from(tree.depth),
    v: Array.from(tree.value),
    s: Array.from(tree.self),
  };
}

/** The payload as JSON that is safe to place inside a <script> element. */
export function flameDataJson(p: Profile, opts: FlameDataOptions = {}): string {
  return jsonForScript(flameData(p, opts));
}
