// The processes of this host with their CPU use, container and recognised language runtimes: what
// `fluoro ps` shows and the agent serves, the list to pick a target from. Strings come from the
// processes themselves and are untrusted.

import { NoSuchProcessError } from '../errors.js';
import { containerInfo, type ContainerInfo } from '../proc/container.js';
import { sampleCpu } from '../proc/cpu.js';
import { listProcesses, type ProcessSummary } from '../proc/process.js';
import { userName } from '../proc/users.js';
import type { RuntimeMatch, RuntimeName } from '../unwind/detect.js';
import { detectProcessRuntimes } from '../unwind/registry.js';

export interface PsRow {
  pid: number;
  ppid: number;
  uid: number;
  user: string;
  /** Percent of one CPU over the sampling interval. */
  cpu: number;
  threads: number;
  container: ContainerInfo | undefined;
  runtimes: RuntimeMatch[];
  comm: string;
  cmdline: string[];
  exe: string | undefined;
}

export interface PsOptions {
  intervalMs: number;
  runtime?: RuntimeName;
  limit?: number;
}

function row(p: ProcessSummary, cpu: number): PsRow {
  let container: ContainerInfo | undefined;
  try {
    container = containerInfo(p.pid);
  } catch (err) {
    if (err instanceof NoSuchProcessError) throw err;
    container = undefined; // Not allowed to look; the rest of the row still stands.
  }
  return {
    pid: p.pid,
    ppid: p.ppid,
    uid: p.uid,
    user: userName(p.uid),
    cpu,
    threads: p.threadCount,
    container,
    runtimes: detectProcessRuntimes(p.pid),
    comm: p.comm,
    cmdline: p.cmdline,
    exe: p.exe,
  };
}

/** Lists processes with CPU %, container and runtimes, busiest first. */
export async function psRows(opts: PsOptions): Promise<PsRow[]> {
  // The first CPU sample is taken now; the rest of the work happens during the interval.
  const cpuLater = sampleCpu(opts.intervalMs);
  const rows: PsRow[] = [];
  for (const p of listProcesses()) {
    try {
      rows.push(row(p, 0));
    } catch (err) {
      if (!(err instanceof NoSuchProcessError)) throw err; // exited while we looked
    }
  }
  const cpu = await cpuLater;
  for (const r of rows) r.cpu = cpu.get(r.pid) ?? 0;
  let out = opts.runtime ? rows.filter((r) => r.runtimes.some((m) => m.name === opts.runtime)) : rows;
  out.sort((a, b) => b.cpu - a.cpu || a.pid - b.pid);
  if (opts.limit !== undefined) out = out.slice(0, opts.limit);
  return out;
}

export function commandText(r: Pick<PsRow, 'cmdline' | 'comm'>): string {
  return r.cmdline.length > 0 ? r.cmdline.join(' ') : `[${r.comm}]`;
}

