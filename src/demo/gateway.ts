// The demo gateway (examples/gateway): nginx with the Lua module on a loopback port, a stream of
// requests against it, and the admin call that breaks it. Everything started here is stopped by
// stop(), which is safe to call more than once and from a signal handler.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FluoroError, NotSupportedError } from '../errors.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/gateway/', import.meta.url));
const NGINX = '/usr/sbin/nginx';
const LUA_MODULE = '/usr/lib/nginx/modules/ngx_http_lua_module.so';

export interface Gateway {
  url: string;
  workerPid: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

function workerOf(master: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

export async function startGateway(): Promise<Gateway> {
  for (const need of [NGINX, LUA_MODULE]) {
    if (!existsSync(need)) throw new NotSupportedError(`the demo needs ${need}, from Debian's nginx-extras (run ./setup.sh)`);
  }
  const prefix = mkdtempSync(join(tmpdir(), 'fluoro-demo-'));
  chmodSync(prefix, 0o755); // the worker runs unprivileged and reads the Lua code from here
  cpSync(join(EXAMPLE, 'lua'), join(prefix, 'lua'), { recursive: true });
  const port = await freePort();
  const conf = readFileSync(join(EXAMPLE, 'nginx.conf.template'), 'utf8')
    .replaceAll('@PREFIX@', prefix)
    .replaceAll('@LUA@', join(prefix, 'lua'))
    .replaceAll('@PORT@', String(port));
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const master: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  master.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const worker = workerOf(master.pid!);
    if (master.exitCode === null && master.signalCode === null) {
      const exited = once(master, 'exit');
      master.kill('SIGKILL');
      await exited;
    }
    if (worker) {
      try {
        process.kill(worker, 'SIGKILL');
      } catch {
        /* gone with its master */
      }
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.text();
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (master.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new FluoroError(`the demo gateway did not start: ${stderr.trim() || 'no answer on ' + url}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const workerPid = workerOf(master.pid!);
  if (!workerPid) {
    await stop();
    throw new FluoroError('the demo gateway has no worker process');
  }
  return { url, workerPid, stop };
}

/** Requests against the gateway, a few at a time, counting the answers. */
export class Traffic {
  answered = 0;
  failed = 0;
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly url: string, concurrency = 4) {
    for (let i = 0; i < concurrency; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const r = await fetch(this.url, { signal: AbortSignal.timeout(1000) });
        await r.text();
        if (r.ok) this.answered++;
        else this.failed++;
      } catch {
        this.failed++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** The configuration change that breaks the gateway: a weight that arrives as the string "0". */
export async function injectBadWeight(url: string): Promise<string> {
  const body = '10.0.0.1:8080 5\n10.0.0.2:8080 3\n10.0.0.4:8080 0\n';
  const r = await fetch(`${url}admin/upstreams`, { method: 'POST', body, signal: AbortSignal.timeout(2000) });
  return (await r.text()).trim();
}
