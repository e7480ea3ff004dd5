// The real processes the first replay corpus was recorded from, each started the way the tests
// start it (loopback servers, fixtures compiled like production code) and stopped by its cleanup.

import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawSample } from '../../src/unwind/sample.js';
import { startTarget, type Cleanup } from '../../src/proc/testing.js';
import { buildSpinDeep, spawnOwned, tempDir } from '../cpu/processes.js';
import { startNginx } from './nginx.js';
import { startWrk } from './wrk.js';

export interface CorpusTarget {
  about: string;
  /** Starts the process; returns the PID to sample once it does what it is there for. */
  start(t: Cleanup, seconds: number): Promise<number>;
  accept?(raw: RawSample): boolean;
  /** Bytes of stack the BPF program copies, when not the default 16 KiB. */
  stackBytes?: number;
}

/**
 * A fixture script copied to a temporary folder: its path is in the process's arguments, at the top
 * of the stack a recorded window may reach, and the checkout's location is nothing to record.
 */
function fixture(t: Cleanup, path: string): string {
  const copy = join(tempDir(t, 'fluoro-corpus-'), basename(path));
  copyFileSync(fileURLToPath(new URL(`../../../test/fixtures/${path}`, import.meta.url)), copy);
  return copy;
}
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const spinDeep = (depth: number, why: string, stackBytes?: number): CorpusTarget => ({
  about: `test/fixtures/native/spin-deep.c at depth ${depth}: a_step/b_step alternate between liba.so and libb.so ` +
    `(built -O2 -fomit-frame-pointer) down to fluoro_leaf, which spins; ${why}`,
  ...(stackBytes !== undefined ? { stackBytes } : {}),
  async start(t) {
    return (await startTarget(t, buildSpinDeep(tempDir(t, 'fluoro-corpus-')), [String(depth)])).pid;
  },
});

export const corpusTargets: Record<string, CorpusTarget> = {
  'nginx-static': {
    about: "Debian's nginx, one worker serving small static files on loopback to wrk (8 connections, keep-alive)",
    async start(t, seconds) {
      const page = '<html><body>' + 'static '.repeat(200) + '</body></html>\n';
      const nginx = await startNginx(t, { server: 'location / { }', htmlFiles: { 'index.html': page } });
      startWrk(t, nginx.url + 'index.html', seconds + 3, { connections: 8 });
      await settle(500);
      return nginx.workers()[0]!;
    },
  },
  'python-loop': {
    about: "Debian's python3.11 running test/fixtures/python/spin.py: outer() calls spin() in an endless loop",
    async start(t) {
      return (await startTarget(t, '/usr/bin/python3', [fixture(t, 'python/spin.py')])).pid;
    },
  },
  'luajit-interpreter': {
    about: "Debian's luajit with the JIT off, in test/fixtures/lua/locals.lua's endless loop: native frames of the interpreter",
    async start(t) {
      return (await startTarget(t, '/usr/bin/luajit', [fixture(t, 'lua/locals.lua')])).pid;
    },
  },
  'luajit-coroutines': {
    about: "Debian's luajit (OpenResty LuaJIT2) running test/fixtures/lua/coroutines.lua: interpreter and JIT traces, " +
      'through pcall and a coroutine; native frames only',
    async start(t, seconds) {
      return (await startTarget(t, '/usr/bin/luajit', [fixture(t, 'lua/coroutines.lua'), String(seconds + 5)])).pid;
    },
  },
  'deep-recursion': spinDeep(150, 'every walk reaches the root'),
  // Frames of 16 bytes: 256 of them (the walk's limit) fit in 4 KiB.
  'deep-recursion-max': spinDeep(1500, 'walks stop at the 256-frame limit'),
  'deep-recursion-cut': spinDeep(400, 'with a 2 KiB stack copy, walks end where the copy does', 2048),
  'dd-syscall': {
    about: "dd bs=1 if=/dev/zero of=/dev/null: samples taken inside read(2) and write(2), user registers as saved at the system call",
    async start(t) {
      const child = spawnOwned(t, 'dd', ['bs=1', 'if=/dev/zero', 'of=/dev/null']);
      await settle(300);
      return child.pid!;
    },
    accept: (raw) => raw.kernelMode,
  },
};
