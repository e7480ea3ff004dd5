// Real processes for the end-to-end CPU tests: fixtures compiled like production code, servers on
// free loopback ports, and every process started here killed when its test ends, pass or fail.

import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from '../../src/proc/testing.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixtureDir = join(repoRoot, 'test/fixtures/native');

/** A temporary directory removed after the test. */
export function tempDir(t: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function requireProgram(path: string): void {
  if (!existsSync(path)) throw new Error(`${path} is not installed; run ./setup.sh`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  if ((await Promise.race([exited.then(() => true), timer.then(() => false)])) === false) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Starts a process that is stopped after the test: `signal` first (SIGTERM lets servers take their
 * workers down), SIGKILL if it is still there after a second.
 */
export function spawnOwned(t: Cleanup, cmd: string, args: string[], options: SpawnOptions = {}, signal: NodeJS.Signals = 'SIGKILL'): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  child.on('error', () => {}); // reported through the exit code and the test's own waits
  t.after(() => stop(child, signal, 1000));
  return child;
}

/** Kills a process we did not spawn ourselves (a server's worker), if it is still the one we saw. */
export function killIfAlive(pid: number, comm: string): void {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The direct children of a process. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** True once an HTTP GET of `url` succeeds. */
export async function httpOk(url: string): Promise<true | undefined> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.ok ? true : undefined;
  } catch {
    return undefined;
  }
}

function cc(...args: string[]): void {
  execFileSync('cc', ['-O2', '-fomit-frame-pointer', ...args], { stdio: 'pipe' });
}

/** busy.c: burns CPU in busy_outer -> busy_inner (forever, or for the seconds given). */
export function buildBusy(dir: string): string {
  const out = join(dir, 'busy');
  cc('-o', out, join(fixtureDir, 'busy.c'));
  return out;
}

/** clock-loop.c: reads the clock forever in read_clock(), so its time goes to the vDSO. */
export function buildClockLoop(dir: string): string {
  const out = join(dir, 'clock-loop');
  cc('-o', out, join(fixtureDir, 'clock-loop.c'));
  return out;
}

/** spin-deep.c over liba.so/libb.so: DEPTH frames through two libraries, spinning in the deepest. */
export function buildSpinDeep(dir: string): string {
  const lib = (name: string) => {
    cc('-fPIC', '-shared', '-o', join(dir, `${name}.so`), join(fixtureDir, `${name}.c`));
    return join(dir, `${name}.so`);
  };
  const a = lib('liba');
  const b = lib('libb');
  const out = join(dir, 'spin-deep');
  cc('-rdynamic', '-o', out, join(fixtureDir, 'spin-deep.c'), a, b, `-Wl,-rpath,${dir}`);
  return out;
}
