// bpftrace's map printout for `@[ustack] = count()`: "@[", one frame per line (leaf first,
// "func+off" or a bare hex address), "]: count". Only user frames: ustack has no kernel part.

import type { Stack } from './stacks.js';

export function parseBpftraceStacks(text: string): Stack[] {
  const out: Stack[] = [];
  let names: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('@[')) {
      names = [];
      const rest = line.slice(2).trim();
      const inline = /^(.*)\]: (\d+)$/.exec(rest); // an empty stack prints "@[]: n"
      if (inline) {
        out.push({ frames: [], count: Number(inline[2]) });
        names = undefined;
      }
      continue;
    }
    if (!names) continue;
    const end = /^\]: (\d+)$/.exec(line);
    if (end) {
      out.push({ frames: names.reverse().map((name) => ({ name, kind: 'user' as const })), count: Number(end[1]) });
      names = undefined;
    } else if (line !== '') {
      names.push(line);
    }
  }
  return out;
}
