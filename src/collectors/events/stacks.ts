// From raw samples to counted stacks. Each sample is unwound as it arrives (the process may be
// gone by the end, and its unwind tables are cached anyway), then counted under a key of its
// addresses: identical stacks cost one entry however long the profile runs. Names come later.

import type { RawSample } from '../../unwind/sample.js';
import { unwind, type UnwindEnd } from '../../unwind/native.js';

/** How a sample's user stack ended: an unwind's end, or no user registers to start from. */
type StackEnd = UnwindEnd | 'no-user-regs';
import type { ProcessModules } from '../../unwind/process-modules.js';
import type { RawFrame, StackRewriter } from '../../unwind/runtime.js';

export interface CountedStack {
  pid: number;
  tid: number;
  comm: string;
  /** Labels a runtime attached (e.g. the request's URI). */
  labels: Record<string, string>;
  /** Leaf first. */
  frames: RawFrame[];
  /** Events counted under this stack, and the sum of their weights (nanoseconds, bytes, …). */
  count: number;
  weight: number;
  end: StackEnd;
}

export interface ProcessContext {
  modules: ProcessModules;
  rewriters: StackRewriter[];
}

export interface StackStats {
  samples: number;
  /** Samples whose user stack was unwound to the thread's first frame. */
  complete: number;
  ends: Record<string, number>;
  /** Sum of user frame counts, for mean depth. */
  userFrames: number;
  /** Samples a runtime plugin failed to rewrite (kept with their native frames). */
  rewriteFailures: number;
}

function frameKey(f: RawFrame): string {
  return f.kind === 'runtime' ? `r${f.runtime}|${f.key}` : `${f.kind === 'kernel' ? 'k' : f.call ? 'c' : 'u'}${f.addr.toString(16)}`;
}

/** A sample's frames, unwound and rewritten by its runtimes, not yet counted. */
export interface UnwoundSample {
  kernel: RawFrame[];
  user: RawFrame[];
  end: StackEnd;
  labels: Record<string, string>;
}

export class StackCounter {
  private readonly stacks = new Map<string, CountedStack>();
  readonly stats: StackStats = { samples: 0, complete: 0, ends: {}, userFrames: 0, rewriteFailures: 0 };

  constructor(private readonly perThread: boolean) {}

  /** Unwinds a sample and counts it; `weight` is what the event stands for (1 for a CPU sample). */
  add(raw: RawSample, ctx: ProcessContext | undefined, weight = 1): void {
    const u = this.unwindSample(raw, ctx);
    this.addUnwound(raw, u.kernel, u.user, u.end, u.labels, weight);
  }

  /**
   * Unwinds a sample without counting it, for events whose weight is known only later (an
   * off-CPU block, weighted when the thread runs again): the frames are taken while the
   * process's mappings still match them.
   */
  unwindSample(raw: RawSample, ctx: ProcessContext | undefined): UnwoundSample {
    const kernel: RawFrame[] = raw.kernelStack.map((addr) => ({ kind: 'kernel', addr }));
    // In the kernel on a kernel that cannot give the user registers: the user stack is unknown,
    // which is neither complete nor a failed unwind.
    if (!raw.userRegs) return { kernel, user: [], end: 'no-user-regs', labels: {} };
    const labels: Record<string, string> = {};
    let user: RawFrame[] = [];
    let end: UnwindEnd = 'no-module';
    if (ctx) {
      const r = unwind(raw.regs, { start: raw.regs.rsp, bytes: raw.stack }, ctx.modules);
      const exact = new Set(r.exact);
      user = r.pcs.map((addr, i) => ({ kind: 'user', addr, call: !exact.has(i) }));
      end = r.end;
      for (const rw of ctx.rewriters) {
        try {
          const r = rw.rewrite(raw, user, end);
          ({ frames: user, end } = r);
          if (r.labels) Object.assign(labels, r.labels);
        } catch {
          // A runtime that cannot read this sample (its process just exited, say) leaves the
          // native frames as they are; one sample is not worth the profile.
          this.stats.rewriteFailures++;
        }
      }
    } else {
      user = [{ kind: 'user', addr: raw.regs.rip, call: false }];
    }
    return { kernel, user, end, labels };
  }

  /** Counts a sample whose user stack is already unwound (by the in-kernel unwinder, say). */
  addUnwound(
    s: { pid: number; tid: number; comm: string }, kernel: RawFrame[], user: RawFrame[], end: StackEnd,
    labels: Record<string, string> = {}, weight = 1,
  ): void {
    this.stats.samples++;
    this.stats.ends[end] = (this.stats.ends[end] ?? 0) + 1;
    if (end === 'root') this.stats.complete++;
    this.stats.userFrames += user.length;

    const frames = kernel.concat(user);
    const tid = this.perThread ? s.tid : 0;
    const labelKey = Object.keys(labels).length ? JSON.stringify(labels) : '';
    const key = `${s.pid}/${tid}/${labelKey}/${frames.map(frameKey).join(',')}`;
    const found = this.stacks.get(key);
    if (found) {
      found.count++;
      found.weight += weight;
      return;
    }
    this.stacks.set(key, { pid: s.pid, tid, comm: s.comm, labels, frames, count: 1, weight, end });
  }

  get distinct(): number {
    return this.stacks.size;
  }

  values(): IterableIterator<CountedStack> {
    return this.stacks.values();
  }
}
