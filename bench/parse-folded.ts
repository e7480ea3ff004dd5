// Folded stacks ("root;...;leaf count"), as fluoro and libbpf-tools' `profile -f` write them.
// fluoro marks kernel frames `_[k]` and Lua frames `_[lua]` / `_[luab]` (builtins); libbpf-tools'
// profile puts the command name first and, with -d, a "-" between user and kernel frames.

import type { Frame, Stack } from './stacks.js';

export interface FoldedOptions {
  /** The first frame is the process name, not a function (libbpf-tools' profile). */
  commFirst?: boolean;
}

function frameOf(raw: string, afterDelimiter: boolean): Frame {
  const m = /^(.*)_\[(k|lua|luab|j|i|w)\]$/.exec(raw);
  if (m) {
    const tag = m[2];
    const name = m[1] ?? raw;
    if (tag === 'k') return { name, kind: 'kernel' };
    if (tag === 'lua' || tag === 'luab') return { name, kind: 'lua' };
    return { name, kind: 'user' };
  }
  // libbpf-tools' profile: kernel frames come after the "-" delimiter, leaf-most last.
  return { name: raw, kind: afterDelimiter ? 'kernel' : 'user' };
}

export function parseFolded(text: string, o: FoldedOptions = {}): Stack[] {
  const out: Stack[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*) (\d+)$/.exec(line.trimEnd());
    if (!m || !m[1]) continue;
    let names = m[1].split(';');
    if (o.commFirst) names = names.slice(1);
    const frames: Frame[] = [];
    let afterDelimiter = false;
    for (const n of names) {
      if (n === '-' || n === '--') {
        afterDelimiter = true;
        continue;
      }
      if (n !== '') frames.push(frameOf(n, afterDelimiter));
    }
    out.push({ frames, count: Number(m[2]) });
  }
  return out;
}
