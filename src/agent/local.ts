// The agent that runs in this process: the process list of `fluoro ps` and the collectors,
// called directly. Needs the privileges the collectors need (root or CAP_BPF + CAP_PERFMON).

import { hostname } from 'node:os';
import { collectorInfo, type Collector, type RunContext } from '../collectors/collector.js';
import { parseParams, type ParamValues } from '../collectors/params.js';
import { collectors } from '../collectors/registry.js';
import { psRows, commandText } from '../collectors/processes.js';
import { NoSuchProcessError, UsageError } from '../errors.js';
import { containerLabel, type ContainerInfo } from '../proc/container.js';
import { processExists, processInfo } from '../proc/process.js';
import { saveNameStores } from '../symbolize/name-store.js';
import type { Agent, ProcessRow } from './agent.js';

function containerOf(c: ContainerInfo | undefined): ProcessRow['container'] {
  if (!c?.inContainer) return null;
  return { label: containerLabel(c), ...(c.runtime ? { runtime: c.runtime } : {}), ...(c.id ? { id: c.id } : {}) };
}

export class LocalAgent implements Agent {
  readonly host = hostname();

  constructor(private readonly registry: readonly Collector[] = collectors) {}

  kinds() {
    return this.registry.map(collectorInfo);
  }

  async processes(): Promise<ProcessRow[]> {
    const rows = await psRows({ intervalMs: 300 });
    return rows
      .filter((r) => r.pid !== process.pid)
      .map((r) => ({
        pid: r.pid,
        ppid: r.ppid,
        user: r.user,
        cpu: Math.round(r.cpu * 10) / 10,
        threads: r.threads,
        container: containerOf(r.container),
        runtimes: r.runtimes,
        comm: r.comm,
        command: commandText(r),
      }));
  }

  private kind(name: string): Collector {
    const k = this.registry.find((x) => x.name === name);
    if (!k) throw new UsageError(`unknown analysis ${JSON.stringify(String(name).slice(0, 40))}; choose one of ${this.registry.map((x) => x.name).join(', ')}`);
    return k;
  }

  validate(kind: string, pid: number, params: unknown): { params: ParamValues; command: string } {
    const k = this.kind(kind);
    if (!Number.isInteger(pid) || pid <= 0 || pid > 2 ** 22) throw new UsageError('pid must be a whole number between 1 and 4194304');
    if (pid === process.pid) throw new UsageError(`PID ${pid} is the console itself`);
    const parsed = parseParams(k.name, k.params, params);
    if (!processExists(pid)) throw new NoSuchProcessError(pid);
    let command = '';
    try {
      const p = processInfo(pid);
      command = commandText(p);
    } catch (err) {
      if (err instanceof NoSuchProcessError) throw err;
    }
    return { params: parsed, command };
  }

  async run(kind: string, pid: number, params: ParamValues, ctx: RunContext) {
    try {
      return await this.kind(kind).run({ pids: [pid] }, params, ctx);
    } finally {
      saveNameStores(); // a console runs for days: keep what each run named as it goes
    }
  }
}
