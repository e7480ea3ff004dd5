// Debian's python3 running a CPU loop through a few nested functions. It prints
// "<monotonic seconds> <iterations>" five times a second; the rate comes from its own clock.

import type { ChildProcess } from 'node:child_process';
import { exited, killGroup, sleep, start } from './proc.js';
import { TARGET_CPU, type RunningTarget, type Target } from './target.js';

const PROGRAM = `
import sys, time
def leaf(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
def middle(): return leaf(2000)
def outer(): return middle()
count, last = 0, time.monotonic()
while True:
    outer()
    count += 1
    now = time.monotonic()
    if now - last >= 0.2:
        sys.stdout.write("%.6f %d\\n" % (now, count))
        sys.stdout.flush()
        last = now
`;

class PythonRun implements RunningTarget {
  private latest: { t: number; n: number } | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const [t, n] = line.split(' ').map(Number);
        if (t !== undefined && n !== undefined && Number.isFinite(t) && Number.isFinite(n)) this.latest = { t, n };
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private next(): Promise<{ t: number; n: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('python target stopped reporting')), 5000);
      this.waiters.push(() => {
        clearTimeout(timer);
        if (this.latest) resolve(this.latest);
      });
    });
  }

  async measure(seconds: number): Promise<number> {
    const a = await this.next();
    await sleep(seconds * 1000);
    const b = await this.next();
    return (b.n - a.n) / (b.t - a.t);
  }

  async stop(): Promise<void> {
    killGroup(this.child, 'SIGKILL');
    await exited(this.child, 3000);
  }
}

export const pythonTarget: Target = {
  name: 'python',
  description: "Debian's /usr/bin/python3 in a CPU loop (three nested functions)",
  unit: 'iterations/s',
  lua: false,
  async start(): Promise<RunningTarget> {
    // exec: the pid profiled is python itself, not taskset.
    const child = start('taskset', ['-c', TARGET_CPU, '/usr/bin/python3', '-u', '-c', PROGRAM]);
    const r = new PythonRun(child);
    await r.measure(0.5);
    return r;
  },
};
