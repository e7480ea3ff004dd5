// The machine the numbers were taken on.

import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';

export interface Machine {
  cpuModel: string;
  cores: number;
  kernel: string;
  memoryGiB: number;
  date: string;
  loadAverageBefore: string;
  versions: Record<string, string>;
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  // Some print their version on stderr (nginx -v), some exit non-zero (wrk -v): read both streams.
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  if (r.error) return 'not installed';
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return pattern.exec(out)?.[0] ?? out.trim().split('\n')[0] ?? '?';
}

export function machine(): Machine {
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    /* keep empty */
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
    loadAverageBefore: load,
    versions: {
      node: process.version,
      perf: version('perf', ['--version'], /[\d.]+/),
      bpftrace: version('bpftrace', ['--version'], /v?[\d.]+/),
      nginx: version('nginx', ['-v'], /nginx\/[\d.]+/),
      python3: version('/usr/bin/python3', ['--version'], /[\d.]+/),
      wrk: version('wrk', ['-v'], /wrk \S+/),
    },
  };
}
