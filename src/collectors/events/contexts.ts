// The processes a collector meets, each with what its stacks need: the process's modules (for
// the native unwinder and names) and the runtime plugins that recognised it (their rewriters,
// which splice Lua frames in, and what they publish to the BPF walker's maps). Made once per
// process, on its first event or before the run for targets named by PID.

import type { BpfObject } from '../../bpf/object.js';
import { listPids, readStat } from '../../proc/process.js';
import { ProcessModules } from '../../unwind/process-modules.js';
import { runsAnyOf } from '../../unwind/registry.js';
import type { RuntimePlugin, RuntimeProcess } from '../../unwind/runtime.js';
import type { ProcessContext } from './stacks.js';

export class ProcessContexts {
  private readonly contexts = new Map<number, ProcessContext | null>();
  private readonly names = new Map<number, string>();
  private readonly attached: RuntimeProcess[] = [];
  private loaded: BpfObject | undefined;

  constructor(
    private readonly runtimes: readonly RuntimePlugin[],
    /** Processes named by PID: a failure to read one is a warning, not silence. */
    private readonly targets: readonly number[],
    private readonly warnings: string[],
    private readonly byRequest = false,
  ) {}

  /** The context of a process, or undefined when it could not be read (it exited, say). */
  of(pid: number, comm: string): ProcessContext | undefined {
    let ctx = this.contexts.get(pid);
    if (ctx !== undefined) return ctx ?? undefined;
    const options = {
      byRequest: this.byRequest,
      warnings: this.warnings,
      changed: (p: RuntimeProcess) => {
        if (this.loaded) p.publish(this.loaded);
      },
    };
    try {
      const modules = new ProcessModules(pid);
      const rewriters: RuntimeProcess[] = [];
      for (const rt of this.runtimes) {
        let p: RuntimeProcess | undefined;
        try {
          p = rt.sampling?.attach(pid, modules, options);
        } catch (err) {
          // A build the plugin cannot read safely: its frames are left out, the native ones stay.
          this.warnings.push(`process ${pid}: ${(err as Error).message}`);
        }
        if (!p) continue;
        rewriters.push(p);
        this.attached.push(p);
        if (this.loaded) p.publish(this.loaded);
      }
      ctx = { modules, rewriters };
    } catch (err) {
      if (this.targets.includes(pid)) this.warnings.push(`process ${pid}: ${(err as Error).message}`);
      ctx = null;
    }
    this.contexts.set(pid, ctx);
    this.names.set(pid, processName(pid, comm));
    return ctx ?? undefined;
  }

  /**
   * Prepares the targets (their code's tables included, so draining never stalls on parsing libc
   * while the ring fills) and, for every process, those a runtime recognises, so that a LuaJIT
   * process's first events already carry Lua frames.
   */
  prepare(all: boolean): void {
    for (const pid of this.targets) this.of(pid, String(pid))?.modules.preload();
    if (!all || this.runtimes.length === 0) return;
    for (const pid of listPids()) {
      if (pid === process.pid || this.contexts.has(pid)) continue;
      try {
        if (runsAnyOf(pid, this.runtimes)) this.of(pid, String(pid));
      } catch {
        // gone already
      }
    }
  }

  /** The BPF object was loaded: every runtime publishes to it, now and when it learns more. */
  publishTo(obj: BpfObject | undefined): void {
    this.loaded = obj;
    if (obj) for (const p of this.attached) p.publish(obj);
  }

  modules(pid: number): ProcessModules | undefined {
    return this.contexts.get(pid)?.modules;
  }

  name(pid: number): string {
    return this.names.get(pid) ?? String(pid);
  }
}

function processName(pid: number, fallback: string): string {
  try {
    return readStat(pid).comm;
  } catch {
    return fallback;
  }
}
