// `perf script` text: a header line per sample, then one indented line per frame, leaf first,
// "addr symbol+off (dso)", and a blank line. Kernel frames have the dso [kernel.kallsyms].

import type { Frame, Stack } from './stacks.js';

const FRAME = /^\s+([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)\s*$/;

export function parsePerfScript(text: string): Stack[] {
  const counts = new Map<string, Stack>();
  let frames: Frame[] | undefined;
  const flush = () => {
    if (!frames) return;
    const rootFirst = frames.reverse();
    const key = rootFirst.map((f) => `${f.kind[0]}${f.name}`).join(';');
    const s = counts.get(key);
    if (s) s.count++;
    else counts.set(key, { frames: rootFirst, count: 1 });
    frames = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (!/^\s/.test(line)) {
      flush();
      frames = [];
      continue;
    }
    const m = FRAME.exec(line);
    if (!m || !frames) continue;
    const [, addr, sym, dso] = m;
    const kernel = dso === '[kernel.kallsyms]' || /^\[kernel/.test(dso ?? '');
    const name = sym && sym !== '[unknown]' ? sym : `${dso ?? '?'}+0x${addr}`;
    frames.push({ name, kind: kernel ? 'kernel' : 'user' });
  }
  flush();
  return [...counts.values()];
}
