// addr2line (binutils) as the reference for DWARF tests: instruction addresses of a file from
// objdump, and the inline chains addr2line prints for them, in one batch.

import { execFileSync } from 'node:child_process';

export interface RefFrame {
  name: string;
  file: string;
  line: number;
}

/** Start addresses of the instructions in the file's code sections (objdump -d), up to `max`, evenly spread. */
export function instructionAddresses(path: string, max = Infinity): number[] {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', path], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const all: number[] = [];
  for (const m of text.matchAll(/^ +([0-9a-f]+):\t/gm)) all.push(parseInt(m[1]!, 16));
  if (all.length <= max) return all;
  const step = all.length / max;
  return Array.from({ length: max }, (_, i) => all[Math.floor(i * step)]!);
}

/** addr2line -f -i for each address: frames innermost first (name "??" and line 0 when unknown). */
export function addr2line(path: string, addrs: number[]): RefFrame[][] {
  const input = addrs.map((a) => `0x${a.toString(16)}`).join('\n') + '\n';
  const out = execFileSync('addr2line', ['-a', '-f', '-i', '-e', path], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  const result: RefFrame[][] = [];
  const lines = out.split('\n');
  let cur: RefFrame[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^0x[0-9a-f]+$/.test(l)) {
      cur = [];
      result.push(cur);
      continue;
    }
    if (!l || !cur) continue;
    const loc = lines[++i] ?? '';
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(loc);
    cur.push({ name: l, file: m ? m[1]! : loc, line: m && m[2] !== '?' ? Number(m[2]) : 0 });
  }
  return result;
}

/** The 1-based line of the fixture source that holds `marker` (a comment such as MIX_LINE). */
export function markerLine(source: string, marker: string): number {
  const i = source.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no ${marker} in the fixture`);
  return i + 1;
}

/** Frames as one comparable string: "name@file:line <- ...", innermost first. */
export function chainText(frames: readonly { name: string | undefined; file: string | undefined; line: number }[], withFile = true): string {
  return frames.map((f) => `${f.name ?? '??'}@${withFile ? f.file || '??' : ''}:${f.line}`).join(' <- ');
}
