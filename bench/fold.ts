// Stacks back to folded text ("root;...;leaf count"), the input of every flame graph tool.

import type { Stack } from './stacks.js';

export function foldStacks(stacks: Iterable<Stack>): string {
  const lines: string[] = [];
  for (const s of stacks) {
    const names = s.frames.map((f) => (f.kind === 'kernel' ? `${f.name}_[k]` : f.name));
    lines.push(`${names.length ? names.join(';') : '[empty]'} ${s.count}`);
  }
  return lines.join('\n') + '\n';
}
