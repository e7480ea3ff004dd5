// Load from Debian's wrk against a loopback URL, bounded in time, always stopped.

import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface WrkRun {
  /** Resolves with requests per second when wrk finishes. */
  done: Promise<number>;
  stop(): void;
}

export interface WrkOptions {
  connections?: number;
  /** Close each connection after one request, so new connections find new workers. */
  closeConnections?: boolean;
}

export function startWrk(t: { after(fn: () => unknown): void }, url: string, seconds: number, o: WrkOptions = {}): WrkRun {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/]/.test(url)) throw new Error(`load goes to loopback only, not ${url}`);
  const args = ['-t1', `-c${o.connections ?? 4}`, `-d${seconds}s`];
  if (o.closeConnections) args.push('-H', 'Connection: close');
  const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  t.after(stop);
  const done = once(child, 'exit').then(() => {
    const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
    return m ? Number(m[1]) : 0;
  });
  return { done, stop };
}
