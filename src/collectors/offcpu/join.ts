// Joins each thread's switch-out (its stack, when it left) with its switch-in (when it came back)
// into one block, weighted by the time in between, clipped to the run: a block that began before
// the run counts from its start, one still going at the end counts to its end. Threads asleep
// since before the run were read from the outside at its start (blocked-at-start.ts); their
// first wake-up (a switch-in with no switch-out) closes that block.

import type { UnwoundSample } from '../events/stacks.js';
import type { BlockedThread } from './blocked-at-start.js';
import type { SwitchIn, SwitchOut } from './record.js';
import { BEFORE_RUN, STACK_LOST, type WaitReason } from './reasons.js';

/** One wait of one thread: its stack and why, when they are known. */
export interface Block {
  pid: number;
  tid: number;
  comm: string;
  reason: WaitReason;
  /** Undefined: the wait is counted, its stack is not known (or not wanted: an idle wait). */
  stack: UnwoundSample | undefined;
}

export interface JoinStats {
  /** Blocks counted, and their nanoseconds (idle ones included). */
  blocks: number;
  ns: number;
  /** Idle waits (an event loop with nothing to do), and their nanoseconds. */
  idleBlocks: number;
  idleNs: number;
  /** Blocks cut at the run's start or end. */
  clippedStart: number;
  clippedEnd: number;
  /** Blocks whose end was never seen (its switch-in record was lost): not counted. */
  unended: number;
}

interface JoinOptions {
  startNs: bigint;
  /** A switch-out's stack and reason, made when it arrives (unwound while the process is as it was). */
  block(r: SwitchOut): Block;
  /** A thread read at the start as a block. */
  blockAtStart(t: BlockedThread): Block;
  /** Counts a finished block. */
  count(b: Block, ns: number): void;
}

export class BlockJoin {
  readonly stats: JoinStats = { blocks: 0, ns: 0, idleBlocks: 0, idleNs: 0, clippedStart: 0, clippedEnd: 0, unended: 0 };
  private readonly open = new Map<number, { outNs: bigint; block: Block }>();
  private readonly atStart = new Map<number, BlockedThread>();
  private endNs: bigint | undefined;

  constructor(private readonly o: JoinOptions) {}

  /** Threads found asleep at the start; call before any record is handled. */
  blockedAtStart(threads: readonly BlockedThread[]): void {
    for (const t of threads) this.atStart.set(t.sample.tid, t);
  }

  out(r: SwitchOut): void {
    const tid = r.sample.tid;
    if (this.endNs !== undefined && r.sample.timeNs >= this.endNs) return;
    // Running at the start after all (it left since): what was read at the start is a later sleep's.
    this.atStart.delete(tid);
    if (this.open.has(tid)) this.stats.unended++;
    this.open.set(tid, { outNs: r.sample.timeNs, block: this.o.block(r) });
  }

  in(r: SwitchIn): void {
    if (r.outNs === 0n) {
      // Off its CPU since before the program was attached: the first wake-up of a thread asleep
      // at the start (or of a thread just created, or one runnable then: those are not blocks).
      const t = this.atStart.get(r.tid);
      if (!t) return;
      this.atStart.delete(r.tid);
      // Woke before its stack was read: the stack read belongs to a later sleep.
      const block = r.inNs > t.readToNs ? this.o.blockAtStart(t) : { ...this.o.blockAtStart(t), reason: BEFORE_RUN, stack: undefined };
      this.finish(block, this.o.startNs, r.inNs);
      return;
    }
    const found = this.open.get(r.tid);
    this.open.delete(r.tid);
    if (r.lost) {
      this.finish({ pid: r.pid, tid: r.tid, comm: '', reason: STACK_LOST, stack: undefined }, r.outNs, r.inNs);
    } else if (found && found.outNs === r.outNs) {
      this.finish(found.block, found.outNs, r.inNs);
    } else if (found) {
      this.stats.unended++;
    }
  }

  /** The run ends now: later records are clipped to it. */
  end(endNs: bigint): void {
    this.endNs ??= endNs;
  }

  /** Counts the blocks still going at the end, up to it. */
  close(): void {
    const endNs = this.endNs ?? process.hrtime.bigint();
    for (const { outNs, block } of this.open.values()) this.finish(block, outNs, endNs);
    this.open.clear();
    for (const t of this.atStart.values()) this.finish(this.o.blockAtStart(t), this.o.startNs, endNs);
    this.atStart.clear();
  }

  private finish(b: Block, fromNs: bigint, toNs: bigint): void {
    if (fromNs <= this.o.startNs) {
      fromNs = this.o.startNs;
      this.stats.clippedStart++;
    }
    if (this.endNs !== undefined && toNs >= this.endNs) {
      toNs = this.endNs;
      this.stats.clippedEnd++;
    }
    if (toNs <= fromNs) return;
    const ns = Number(toNs - fromNs);
    this.stats.blocks++;
    this.stats.ns += ns;
    if (b.reason.idle) {
      this.stats.idleBlocks++;
      this.stats.idleNs += ns;
    }
    this.o.count(b, ns);
  }
}
