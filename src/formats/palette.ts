// Colours of frames by kind, shared by the SVG and the HTML flame graphs so a frame looks the same
// everywhere. Hues are far apart for the kinds that meet in one stack — kernel blue, C warm red,
// Lua green, Lua builtins teal, JIT amber — and each name gets a small, stable shade of its kind's
// colour so neighbouring frames stay distinguishable without changing what the hue means.

import { FRAME_KINDS, type FrameKind } from '../model/profile.js';

export interface KindColour {
  readonly label: string;
  /** HSL base colour; shades vary lightness and hue a little around it. */
  readonly h: number;
  readonly s: number;
  readonly l: number;
}

export const PALETTE: Readonly<Record<FrameKind, KindColour>> = {
  kernel: { label: 'kernel', h: 208, s: 55, l: 62 },
  native: { label: 'native (C/C++)', h: 12, s: 78, l: 62 },
  jit: { label: 'JIT', h: 46, s: 85, l: 55 },
  lua: { label: 'Lua', h: 122, s: 48, l: 55 },
  'lua-builtin': { label: 'Lua builtin', h: 168, s: 52, l: 48 },
  python: { label: 'Python', h: 248, s: 55, l: 68 },
  php: { label: 'PHP', h: 276, s: 40, l: 64 },
  perl: { label: 'Perl', h: 28, s: 45, l: 52 },
  go: { label: 'Go', h: 188, s: 65, l: 50 },
  node: { label: 'Node.js', h: 88, s: 55, l: 50 },
  ruby: { label: 'Ruby', h: 346, s: 62, l: 62 },
  unknown: { label: 'unknown', h: 0, s: 0, l: 70 },
  group: { label: 'process / request', h: 220, s: 18, l: 76 },
};

/** Colour of frames that match a search. */
export const MATCH_COLOUR = '#e040fb';

/** The palette as an array in FRAME_KINDS order, for embedding next to kind indexes. */
export function paletteTable(): KindColour[] {
  return FRAME_KINDS.map((k) => PALETTE[k]);
}

/**
 * The colour of one frame as #rrggbb. Self-contained on purpose (no imports, no closures): the
 * HTML viewer embeds this very function's source, so both renderers agree to the pixel.
 */
export function shadeColour(h: number, s: number, l: number, name: string): string {
  // FNV-1a over the name: cheap, stable across runs and platforms.
  let x = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    x ^= name.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  const hh = (((h + ((x & 0xff) / 255 - 0.5) * 12) % 360) + 360) % 360;
  const ll = Math.min(90, Math.max(20, l + (((x >>> 8) & 0xff) / 255 - 0.5) * 14)) / 100;
  const ss = s / 100;
  const a = ss * Math.min(ll, 1 - ll);
  const channel = (n: number): string => {
    const k = (n + hh / 30) % 12;
    const v = ll - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255).toString(16).padStart(2, '0');
  };
  return '#' + channel(0) + channel(8) + channel(4);
}

export function frameColour(kind: FrameKind, name: string): string {
  const c = PALETTE[kind] ?? PALETTE.unknown;
  return shadeColour(c.h, c.s, c.l, name);
}
