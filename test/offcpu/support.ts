// Reading off-CPU profiles in tests: nanoseconds under a named frame, and the fixture of known waits.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { outerFunc, type Profile } from '../../src/model/profile.js';
import { repoRoot } from '../cpu/processes.js';

/** waits.c (see its header): a program that waits in known ways, in named functions. */
export function buildWaits(dir: string): string {
  const out = join(dir, 'waits');
  execFileSync('cc', ['-O2', '-fomit-frame-pointer', '-o', out, join(repoRoot, 'test/fixtures/native/waits.c')], { stdio: 'pipe' });
  return out;
}

/** Off-CPU nanoseconds of all stacks, and of those that hold a frame `where` accepts. */
export function nsUnder(p: Profile, where: (name: string, kind: string) => boolean = () => true): number {
  let ns = 0;
  for (const s of p.samples) {
    if (s.stack.some((l) => where(outerFunc(l)?.name ?? '', l.kind))) ns += s.values[0] ?? 0;
  }
  return ns;
}

export const named = (want: string) => (name: string) => name === want;

export function pct(part: number, of: number): string {
  return `${((100 * part) / Math.max(of, 1)).toFixed(1)}%`;
}
