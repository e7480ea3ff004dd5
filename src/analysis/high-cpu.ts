// The guided "high CPU" analysis, as pure functions: from a mixed CPU profile and a set of Lua
// backtrace snapshots of the same process, decide where the time goes and say it in words.
// Every sentence states what was measured; suspicions are worded as such.

import type { LuaBacktrace, LuaBacktraceFrame, LuaVariable } from '../model/lua-backtrace.js';
import type { Profile, Sample } from '../model/profile.js';

interface Place {
  function: string;
  file: string;
  line: number;
}

export interface Suspicion {
  frame: Place;
  variable: string;
  value: string;
  type: string;
  why: string;
}

export interface HighCpuReport {
  samples: number;
  /** Shares of samples (0–100) by where the leaf is. */
  where: { lua: number; luaVm: number; kernel: number; native: number };
  verdict: string;
  hottest?: Place & { share: number; callers: Place[] };
  loop?: { snapshots: number; same: number };
  /** The dominant backtrace, innermost frame first, with its locals. */
  frames: LuaBacktraceFrame[];
  suspicions: Suspicion[];
  findings: string[];
}

const pct = (n: number, d: number) => (d > 0 ? (100 * n) / d : 0);
const fmt = (p: number) => `${p.toFixed(p >= 10 || p === 0 ? 0 : 1)}%`;

/** The Lua frames of a sample, root first, with their places as the profile holds them. */
function luaPlaces(s: Sample): Place[] {
  const out: Place[] = [];
  for (let i = s.stack.length - 1; i >= 0; i--) {
    const loc = s.stack[i]!;
    if (loc.kind !== 'lua') continue;
    if (loc.lines.length === 0) out.push({ function: '[unknown]', file: '', line: 0 });
    // Inlined lines, if a runtime ever gives them, are frames of their own: the outermost first.
    for (let j = loc.lines.length - 1; j >= 0; j--) {
      const { func, line } = loc.lines[j]!;
      out.push({ function: func.name || '[unknown]', file: func.file, line });
    }
  }
  return out;
}

const placeKey = (p: Place) => `${p.function}\u0000${p.file}\u0000${p.line}`;

function describePlace(p: Place): string {
  const fn = p.function === 'main chunk' ? 'the main chunk' : `${p.function}()`;
  return p.file ? `${fn} at ${p.file}${p.line ? `:${p.line}` : ''}` : fn;
}

/** Where the samples' leaves are: Lua code, the Lua VM's own C code, the kernel, other C. */
export function whereTimeGoes(p: Profile): HighCpuReport['where'] & { total: number } {
  let total = 0, lua = 0, luaVm = 0, kernel = 0, native = 0;
  for (const s of p.samples) {
    const n = s.values[0] ?? 0;
    total += n;
    const leaf = s.stack[0];
    const hasLua = s.stack.some((l) => l.kind === 'lua' || l.kind === 'lua-builtin');
    if (leaf?.kind === 'kernel') kernel += n;
    else if (leaf?.kind === 'lua' || leaf?.kind === 'lua-builtin' || leaf?.kind === 'jit') lua += n;
    else if (hasLua) luaVm += n; // C called from Lua: the VM's helpers, the GC, C functions
    else native += n;
  }
  return { total, lua: pct(lua, total), luaVm: pct(luaVm, total), kernel: pct(kernel, total), native: pct(native, total) };
}

/** The innermost Lua frame that the most samples share, with the Lua frames that called it. */
export function hottestLua(p: Profile): (Place & { share: number; callers: Place[] }) | undefined {
  const counts = new Map<string, { place: Place; n: number; callers: Place[] }>();
  let total = 0;
  for (const s of p.samples) {
    const n = s.values[0] ?? 0;
    total += n;
    const lua = luaPlaces(s);
    const leaf = lua[lua.length - 1];
    if (!leaf) continue;
    const key = placeKey(leaf);
    const c = counts.get(key) ?? { place: leaf, n: 0, callers: lua.slice(0, -1).reverse() };
    c.n += n;
    counts.set(key, c);
  }
  const best = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  if (!best) return undefined;
  return { ...best.place, share: pct(best.n, total), callers: best.callers };
}

const NUMERIC_STRING = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Values that are worth a look: numbers kept in strings, which compare unequal to numbers. */
export function suspiciousLocals(frames: LuaBacktraceFrame[]): Suspicion[] {
  const out: Suspicion[] = [];
  for (const f of frames) {
    const vars: LuaVariable[] = [...(f.locals ?? []), ...(f.upvalues ?? [])];
    for (const v of vars) {
      if (v.type !== 'string') continue;
      const inner = /^"(.*)"$/.exec(v.text)?.[1];
      if (inner === undefined || !NUMERIC_STRING.test(inner)) continue;
      out.push({
        frame: { function: f.name, file: f.file, line: f.line },
        variable: v.name,
        value: v.text,
        type: v.type,
        why: `${v.name} holds the string ${v.text}, not the number ${inner.trim()}: in Lua a string never equals a number (${v.text} ~= ${inner.trim()}), while arithmetic quietly converts it`,
      });
    }
  }
  return out;
}

export function analyzeHighCpu(p: Profile, snapshots: LuaBacktrace[], snapshotCount: number): HighCpuReport {
  const where = whereTimeGoes(p);
  const findings: string[] = [];
  const hottest = hottestLua(p);
  const top = snapshots[0];
  // A loop spans lines: snapshots in the same functions count as the same place.
  const functions = (b: LuaBacktrace) => b.frames.map((f) => `${f.name}@${f.file}`).join(';');
  const same = top ? snapshots.filter((b) => functions(b) === functions(top)).reduce((n, b) => n + b.count, 0) : 0;
  const loop = top && snapshotCount > 1 ? { snapshots: snapshotCount, same } : undefined;

  let verdict: string;
  const luaShare = where.lua + where.luaVm;
  if (where.total === 0) verdict = 'The process did not run on a CPU while it was sampled.';
  else if (luaShare >= 50) verdict = `The time goes to Lua code: ${fmt(luaShare)} of the CPU samples are in Lua (${fmt(where.lua)} in Lua functions, ${fmt(where.luaVm)} in C called from Lua).`;
  else if (where.kernel >= 50) verdict = `The time goes to the kernel: ${fmt(where.kernel)} of the CPU samples are in kernel code.`;
  else verdict = `The time goes to C code outside the Lua VM: ${fmt(where.native)} of the CPU samples.`;
  findings.push(verdict);

  if (hottest && hottest.share >= 5) {
    const chain = hottest.callers.slice(0, 3).map(describePlace).join(', called from ');
    findings.push(`The hottest Lua code is ${describePlace(hottest)}, in ${fmt(hottest.share)} of all samples${chain ? `, called from ${chain}` : ''}.`);
  }
  if (loop && top) {
    const leaf = top.frames[0];
    if (loop.same === loop.snapshots && leaf) {
      findings.push(
        `It looks like a loop that never exits: all ${loop.snapshots} snapshots show the same Lua functions, stopped in ${describePlace({ function: leaf.name, file: leaf.file, line: leaf.line })}.`,
      );
    } else {
      findings.push(`${loop.same} of ${loop.snapshots} snapshots show the same Lua functions; the code is busy but moving.`);
    }
  }
  const suspicions = suspiciousLocals(top?.frames ?? []);
  for (const s of suspicions) findings.push(`Look at ${describePlace(s.frame)}: ${s.why}.`);
  if (top?.frames[0]?.inTrace) findings.push('The innermost frame runs in a JIT trace, so its own locals may lag behind; its callers\' locals are exact.');
  return { samples: where.total, where: { lua: where.lua, luaVm: where.luaVm, kernel: where.kernel, native: where.native }, verdict, ...(hottest ? { hottest } : {}), ...(loop ? { loop } : {}), frames: top?.frames ?? [], suspicions, findings };
}
