// `fluoro console` as a child process for tests: its own store and token, a free loopback port,
// and certain cleanup. Resolves once the console prints the URL it serves.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/nginx.js';

export interface ConsoleProcess {
  url: string;
  token: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, and SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../../bin/fluoro.js', import.meta.url));

export async function startConsoleProcess(t: { after(fn: () => unknown): void }, db: string, token: string): Promise<ConsoleProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'console', '--listen', `127.0.0.1:${port}`, '--db', db, '--token', token], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  t.after(stop);
  const deadline = Date.now() + 15_000;
  while (!/open:\s+http/.test(out)) {
    if (child.exitCode !== null) throw new Error(`the console exited: ${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the console did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, token, child, output: () => out, stop };
}

/** A JSON call to a console with its token. */
export async function call(c: { url: string; token: string }, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(c.url + path, {
    method,
    headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
