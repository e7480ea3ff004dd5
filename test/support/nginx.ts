// Real nginx (Debian's, with the Lua module when asked) as a test target: a private prefix in a
// temp dir, one loopback port, one worker by default, and certain cleanup.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NginxOptions {
  /** Load the ndk and Lua modules. */
  lua?: boolean;
  /** Directives inside `server { }` (the listen line is added). */
  server: string;
  /** Directives inside `http { }`, before the server. */
  http?: string;
  /** Files to create under the prefix's lua/ directory (on lua_package_path). */
  luaFiles?: Record<string, string>;
  /** Files to create under the prefix's html/ directory (the default root). */
  htmlFiles?: Record<string, string | Buffer>;
  workers?: number;
}

export interface Nginx {
  prefix: string;
  port: number;
  url: string;
  master: ChildProcess;
  /** Worker PIDs, read from the process table (children of the master). */
  workers(): number[];
  /** SIGHUP (reload) and wait for the new workers; returns their PIDs. */
  reload(): Promise<number[]>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function serves(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function startNginx(t: { after(fn: () => unknown): void }, o: NginxOptions): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'fluoro-nginx-'));
  chmodSync(prefix, 0o755); // workers run as an unprivileged user and read lua/ and html/
  for (const d of ['logs', 'lua', 'html']) mkdirSync(join(prefix, d));
  for (const [name, text] of Object.entries(o.luaFiles ?? {})) writeFileSync(join(prefix, 'lua', name), text);
  for (const [name, data] of Object.entries(o.htmlFiles ?? {})) writeFileSync(join(prefix, 'html', name), data);
  const port = await freePort();
  const modules = o.lua
    ? 'load_module /usr/lib/nginx/modules/ndk_http_module.so;\nload_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\n'
    : '';
  const conf = `${modules}worker_processes ${o.workers ?? 1};
daemon off;
pid ${prefix}/logs/nginx.pid;
error_log ${prefix}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  ${o.lua ? `lua_package_path "${prefix}/lua/?.lua;;";` : ''}
  ${o.http ?? ''}
  server {
    listen 127.0.0.1:${port};
    root ${prefix}/html;
    ${o.server}
  }
}
`;
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const master = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  master.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const stop = async () => {
    const orphans = childrenOf(master.pid!);
    if (master.exitCode === null && master.signalCode === null) {
      const exited = once(master, 'exit');
      master.kill('SIGKILL');
      await exited;
    }
    // A killed master leaves its workers behind: they go too.
    for (const w of orphans) {
      try {
        process.kill(w, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  t.after(stop);
  const url = `http://127.0.0.1:${port}/`;
  const workers = () => childrenOf(master.pid!);
  try {
    await waitFor('nginx workers', () => workers().length >= (o.workers ?? 1));
    const deadline = Date.now() + 10_000;
    while (!(await serves(url))) {
      if (master.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
      await sleep(50);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    prefix,
    port,
    url,
    master,
    workers,
    async reload() {
      const old = workers();
      process.kill(master.pid!, 'SIGHUP');
      // Old workers finish their requests before they leave; the new ones serve meanwhile.
      return waitFor('new workers after reload', () => {
        const fresh = workers().filter((w) => !old.includes(w));
        return fresh.length >= (o.workers ?? 1) ? fresh : undefined;
      });
    },
    stop,
  };
}
