// A static SVG flame graph in the manner of FlameGraph's flamegraph.pl: root at the bottom, one
// rectangle per merged frame, width proportional to value, colour by kind, a <title> tooltip on
// every frame. No script. Frames narrower than `minWidth` pixels are left out so that profiles
// with millions of samples still give a file a browser opens instantly.

import { FRAME_KINDS, type Profile } from '../model/profile.js';
import { boundName, escapeXml } from './escape.js';
import { buildFlameTree, kindOfNode } from './flametree.js';
import { PALETTE, frameColour } from './palette.js';
import { formatShare, formatValue, profileSubtitle } from './units.js';

interface SvgOptions {
  title?: string;
  /** Sub-title under the title; defaults to the sample type and total. */
  subtitle?: string;
  valueIndex?: number;
  width?: number;
  rowHeight?: number;
  fontSize?: number;
  /** Frames narrower than this many pixels are omitted (default 0.1). */
  minWidth?: number;
}

const SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
/** Advance of one character of the monospace font, in ems, rounded up so labels never overflow. */
const CHAR_EM = 0.62;

const num = (x: number): string => String(Math.round(x * 100) / 100);

export function writeSvg(p: Profile, opts: SvgOptions = {}): string {
  const width = opts.width ?? 1200;
  const rowH = opts.rowHeight ?? 17;
  const fontSize = opts.fontSize ?? 11;
  const pad = 10;
  const header = 56;
  const legendH = 28;
  const plotW = width - 2 * pad;
  const vi = opts.valueIndex ?? p.defaultSampleType;
  const st = p.sampleTypes[vi] ?? { type: 'samples', unit: 'count' };

  let whole = 0;
  for (const s of p.samples) {
    const v = s.values[vi] ?? 0;
    if (v > 0 && Number.isFinite(v)) whole += v;
  }
  const minValue = whole > 0 ? (whole * (opts.minWidth ?? 0.1)) / plotW : 0;
  const tree = buildFlameTree(p, { valueIndex: vi, minValue });
  const total = tree.total;
  const scale = total > 0 ? plotW / total : 0;
  const rows = tree.maxDepth + 1;
  const height = header + rows * rowH + legendH + pad;
  const title = escapeXml(boundName(opts.title ?? 'Flame graph', 200));
  const subtitle = escapeXml(boundName(opts.subtitle ?? profileSubtitle(p, vi), 300));

  const out: string[] = [];
  out.push(
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<style>text{font-family:${FONT};fill:#1f2328}.f text{font-size:${fontSize}px;pointer-events:none}.f:hover rect{stroke:#1f2328;stroke-width:1}` +
      `.t{font-family:${SANS};font-size:17px;font-weight:600}.s{font-family:${SANS};font-size:12.5px;fill:#57606a}.l{font-family:${SANS};font-size:12px;fill:#57606a}</style>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text class="t" x="${width / 2}" y="24" text-anchor="middle">${title}</text>`,
    `<text class="s" x="${width / 2}" y="43" text-anchor="middle">${subtitle}</text>`,
  );

  const charW = fontSize * CHAR_EM;
  const kindsSeen = new Set<number>();
  for (let i = 0; i < tree.count; i++) {
    const w = tree.value[i]! * scale;
    const x = pad + tree.start[i]! * scale;
    const y = header + (rows - 1 - tree.depth[i]!) * rowH;
    const kind = kindOfNode(tree, i);
    const name = tree.names[tree.name[i]!]!;
    if (i > 0) kindsSeen.add(tree.kind[i]!);
    const fill = i === 0 ? '#d0d7de' : frameColour(kind, name);
    const tip = `${name}${i > 0 ? ` (${PALETTE[kind].label})` : ''}\n${formatValue(tree.value[i]!, st.unit)}, ${formatShare(tree.value[i]!, total)}`;
    out.push(
      `<g class="f"><title>${escapeXml(tip)}</title>` +
        `<rect x="${num(x)}" y="${y}" width="${num(Math.max(w - 0.5, 0.1))}" height="${rowH - 1}" fill="${fill}" rx="2"/>`,
    );
    const fit = Math.floor((w - 6) / charW);
    if (fit >= 3) {
      // Truncate by code points so a surrogate pair is never cut in half.
      const chars = Array.from(name);
      const label = chars.length <= fit ? name : chars.slice(0, fit - 1).join('') + '…';
      out.push(`<text x="${num(x + 3)}" y="${y + rowH - 5}">${escapeXml(label)}</text>`);
    }
    out.push('</g>');
  }

  // Legend: only the kinds that appear, in the palette's order.
  let lx = pad;
  const ly = header + rows * rowH + 10;
  FRAME_KINDS.forEach((k, ki) => {
    if (!kindsSeen.has(ki)) return;
    const c = PALETTE[k];
    out.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" rx="2" fill="${frameColour(k, '')}"/>`,
      `<text class="l" x="${lx + 17}" y="${ly + 10}">${escapeXml(c.label)}</text>`,
    );
    lx += 30 + c.label.length * 6.4;
  });
  out.push('</svg>', '');
  return out.join('\n');
}
