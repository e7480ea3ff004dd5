// Runs the real `fluoro` command (bin/fluoro.js over dist/) as a child process, as a user would.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import type { Cleanup } from '../../src/proc/testing.js';
import { repoRoot } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runFluoro(
  t: Cleanup, args: string[], timeoutMs = 30_000, onStart?: (child: ChildProcess) => void,
): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/fluoro.js', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  onStart?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  // 'exit' can come before the pipes are drained.
  if (!child.stdout.readableEnded) await once(child.stdout, 'end').catch(() => {});
  if (!child.stderr.readableEnded) await once(child.stderr, 'end').catch(() => {});
  return { code, stdout, stderr };
}

/** True once process `pid` holds a BPF link or perf event: its sampling has begun. */
export function isSampling(pid: number): true | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (/bpf_link|perf_event/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // not started or gone
  }
  return undefined;
}
