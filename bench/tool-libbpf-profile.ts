// libbpf-tools' `profile` (folded output with -f). Debian names it `profile` or `bpf-profile`,
// and some releases of the package do not ship it at all.

import { execFileSync } from 'node:child_process';
import { parseFolded } from './parse-folded.js';
import type { Tool } from './tool.js';
import { which } from './which.js';

let found: string | null | undefined;

export function libbpfProfilePath(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  found = null;
  try {
    const files = execFileSync('dpkg', ['-L', 'libbpf-tools'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    found = files.split('\n').find((f) => /\/(bpf-)?profile$/.test(f)) ?? null;
  } catch {
    /* not installed */
  }
  found ??= which('bpf-profile') ?? null;
  return found ?? undefined;
}

export const libbpfProfileTool: Tool = {
  name: 'libbpf-tools profile',
  bpf: true,
  unavailable: () =>
    libbpfProfilePath()
      ? undefined
      : "not available: this Debian release's libbpf-tools package does not ship profile (dpkg -L libbpf-tools lists no profile or bpf-profile)",
  record: (pid, hz) => ({
    cmd: libbpfProfilePath() ?? 'profile',
    args: ['-p', String(pid), '-F', String(hz), '-U', '-f'],
  }),
  parse: (_dir, stdout) => parseFolded(stdout, { commFirst: true }),
};

