// Real processes as test targets (never imitations): start one, wait for the line it prints when
// ready, and make sure it dies with the test whatever happens. Used by tests only.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

interface Target {
  child: ChildProcess;
  pid: number;
  /** The first line the target wrote to stdout (its "ready" signal, often an address). */
  ready: string;
  kill(): Promise<void>;
}

/** Something with an `after` hook: node:test's TestContext, or a suite. */
export interface Cleanup {
  after(fn: () => unknown): void;
}

export async function startTarget(t: Cleanup, cmd: string, args: string[], timeoutMs = 10_000): Promise<Target> {
  // stdin is a pipe we never write to, so a target can block on reading it (luajit has no sleep).
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not become ready in ${timeoutMs} ms`)), timeoutMs);
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before it was ready`));
    });
    child.once('error', reject);
  });
  return { child, pid: child.pid!, ready, kill };
}

/**
 * CPU time a process has run, in nanoseconds, from /proc/PID/schedstat: the scheduler's own
 * accounting, independent of the tick-based utime/stime that fluoro reads. Tests use it to check
 * fluoro's CPU % against a second witness, which stays meaningful on a loaded machine where no
 * fixed threshold would.
 */
export function cpuTimeNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/** CPU % of a process over the time `work` takes, from schedstat; and what `work` returned. */
export async function witnessCpu<T>(pid: number, work: () => Promise<T>): Promise<{ percent: number; result: T }> {
  const t0 = process.hrtime.bigint();
  const a = cpuTimeNs(pid);
  const result = await work();
  const b = cpuTimeNs(pid);
  const t1 = process.hrtime.bigint();
  return { percent: ((b - a) / Number(t1 - t0)) * 100, result };
}
