// Views of a stored profile, as the console serves them: which frames (mixed, C, Lua), callers
// inverted or not, as flame data, a function table, or a file in any output format.

import { UsageError } from '../errors.js';
import { FORMATS, formatByName, type FormatName } from '../formats/index.js';
import { stackFrames, type Frame } from '../model/frames.js';
import type { Func, Location, Profile, Sample } from '../model/profile.js';
import { functionCosts, type FunctionCost } from '../model/summary.js';
import { VIEWS, view as languageView, type View } from '../model/views.js';

export type Lang = View;
const LANGS: readonly Lang[] = VIEWS;

export function parseLang(v: unknown): Lang {
  if (v === undefined || v === '') return 'mixed';
  if (typeof v === 'string' && (LANGS as readonly string[]).includes(v)) return v as Lang;
  throw new UsageError(`lang must be mixed, c or lua`);
}

export function parseBool(v: unknown, name: string): boolean {
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new UsageError(`${name} must be true or false`);
}

export function parseFormat(v: unknown): FormatName {
  if (typeof v !== 'string' || !FORMATS.some((f) => f.name === v)) {
    throw new UsageError(`format must be one of ${FORMATS.map((f) => f.name).join(', ')}`);
  }
  return v as FormatName;
}

function withLang(p: Profile, lang: Lang): Profile {
  return languageView(p, lang);
}

/**
 * Callers view: every stack turned upside down, so the roots are the functions where time is spent.
 * Each frame becomes a location of its own (inlined frames included, in the right order); the
 * result is for drawing and tables, not for export.
 */
function inverted(p: Profile): Profile {
  const locs = new Map<string, Location>();
  const funcs: Func[] = [];
  const locOf = (f: Frame): Location => {
    const key = `${f.kind}\u0000${f.name}`;
    let l = locs.get(key);
    if (l === undefined) {
      const func: Func = { id: funcs.length + 1, name: f.name, systemName: f.name, file: '', startLine: 0 };
      funcs.push(func);
      l = { id: locs.size + 1, kind: f.kind, address: 0n, mapping: undefined, lines: [{ func, line: 0 }] };
      locs.set(key, l);
    }
    return l;
  };
  // Leaf-first in the model: the original root-first frames are the inverted stack, leaf first.
  const stacks = new Map<readonly Location[], readonly Location[]>();
  const samples: Sample[] = p.samples.map((s) => {
    let stack = stacks.get(s.stack);
    if (stack === undefined) stacks.set(s.stack, (stack = stackFrames(s).map(locOf)));
    return { stack, values: s.values, labels: s.labels };
  });
  return { ...p, samples, locations: [...locs.values()], functions: funcs, mappings: [] };
}

export function view(p: Profile, lang: Lang, invert: boolean): Profile {
  const shown = withLang(p, lang);
  return invert ? inverted(shown) : shown;
}

interface FunctionsTable {
  total: number;
  unit: string;
  rows: FunctionCost[];
}

export function topFunctions(p: Profile, limit: number): FunctionsTable {
  const st = p.sampleTypes[p.defaultSampleType] ?? { type: 'samples', unit: 'count' };
  const total = p.samples.reduce((a, s) => a + (s.values[p.defaultSampleType] ?? 0), 0);
  const rows = functionCosts(p);
  // The table is sorted by self; the heaviest callers (by total) are kept as well so they can be found.
  const bySelf = rows.slice(0, limit);
  const byTotal = [...rows].sort((a, b) => b.total - a.total).slice(0, limit);
  const seen = new Set(bySelf);
  for (const r of byTotal) if (!seen.has(r)) (bySelf.push(r), seen.add(r));
  return { total, unit: st.unit, rows: bySelf };
}

export async function download(p: Profile, format: FormatName, title: string): Promise<{ body: Buffer | string; type: string; ext: string }> {
  const f = formatByName(format);
  const body = await f.write(p, { title });
  const types: Record<FormatName, string> = {
    folded: 'text/plain; charset=utf-8',
    pprof: 'application/octet-stream',
    speedscope: 'application/json',
    svg: 'image/svg+xml',
    html: 'text/html; charset=utf-8',
  };
  return { body, type: types[format], ext: f.extensions[0]! };
}
