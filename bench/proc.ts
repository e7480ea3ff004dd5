// Processes the harness starts and the /proc facts it reads about them. Every child is spawned
// in its own process group and registered, so that `killAll` ends it (and its children) on any exit.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

const live = new Set<ChildProcess>();

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts a command in its own process group; it is killed by killAll if still running. */
export function start(cmd: string, args: string[], o: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...o, detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

export function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

export function killGroup(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* already gone */
  }
}

/** Ends every child still running: SIGTERM, then SIGKILL for what is left. */
export async function killAll(): Promise<void> {
  const all = [...live];
  for (const c of all) killGroup(c, 'SIGTERM');
  await Promise.all(all.map((c) => exited(c, 2000)));
}

/** Runs a command to completion (bounded), returning its output. */
export async function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
  o: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(cmd, args, o);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await exited(child, timeoutMs);
  return { code, stdout, stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return undefined;
  }
}

/** Peak resident set (VmHWM) in KiB. */
export function peakRssKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function fdLinks(pid: number): { fd: string; link: string }[] {
  const out: { fd: string; link: string }[] = [];
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      out.push({ fd, link: readlinkSync(`/proc/${pid}/fd/${fd}`) });
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** How many perf events the process holds open: a profiler samples once it holds some. */
export function perfEventCount(pid: number): number {
  return fdLinks(pid).filter((f) => f.link === 'anon_inode:[perf_event]').length;
}

/** Bytes of locked memory the BPF maps a process holds open account for (fdinfo memlock). */
export function bpfMapMemlock(pid: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const f of fdLinks(pid)) {
    if (f.link !== 'anon_inode:bpf-map') continue;
    try {
      const info = readFileSync(`/proc/${pid}/fdinfo/${f.fd}`, 'utf8');
      const id = /map_id:\s+(\d+)/.exec(info)?.[1] ?? f.fd;
      const mem = /memlock:\s+(\d+)/.exec(info);
      if (mem && !seen.has(id)) {
        seen.add(id);
        total += Number(mem[1]);
      }
    } catch {
      /* closed meanwhile */
    }
  }
  return total;
}

/** The children of a process (e.g. the real profiler under /usr/bin/time). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
