// CPU usage as `top` shows it: the CPU time a process consumed over a short wall-clock interval,
// in percent of one CPU (a process busy on two cores shows 200%). Measured for every process at
// once so that listing a whole system costs one interval, not one per process.

import { setTimeout as sleep } from 'node:timers/promises';
import { clockTicks } from './libc.js';
import { listPids, readStat } from './process.js';

interface CpuSample {
  pid: number;
  startTime: number;
  /** User plus system CPU time, in clock ticks. */
  ticks: number;
}

function snapshot(pids: readonly number[]): Map<number, CpuSample> {
  const out = new Map<number, CpuSample>();
  for (const pid of pids) {
    try {
      const st = readStat(pid);
      out.set(pid, { pid, startTime: st.startTime, ticks: st.utime + st.stime });
    } catch {
      // Exited (or hidden) between the listing and the read: it has no usage to report.
    }
  }
  return out;
}

/**
 * Samples utime+stime twice, `intervalMs` apart, and returns CPU percent per PID. A PID that was
 * reused between the two samples (different start time), or that appeared or exited in between,
 * is left out rather than given a number that would be wrong.
 */
export async function sampleCpu(intervalMs = 300, pids?: readonly number[]): Promise<Map<number, number>> {
  const list = pids ?? listPids();
  const hz = clockTicks();
  const t0 = process.hrtime.bigint();
  const first = snapshot(list);
  await sleep(intervalMs);
  const t1 = process.hrtime.bigint();
  const second = snapshot([...first.keys()]);
  const seconds = Number(t1 - t0) / 1e9;
  const out = new Map<number, number>();
  for (const [pid, b] of second) {
    const a = first.get(pid);
    if (!a || a.startTime !== b.startTime || seconds <= 0) continue;
    out.set(pid, Math.max(0, ((b.ticks - a.ticks) / hz / seconds) * 100));
  }
  return out;
}
