// A session of the event core: a loaded BPF object whose programs are attached by the collector's
// strategies (attach.ts: perf events, tracepoints, uprobes) and write records into a ring buffer,
// drained from a timer (never a blocking poll), with per-CPU counters. Every collector's BPF side
// runs through this one lifecycle: load, fill maps, attach, drain, detach, drain what is left,
// close.

import type { BpfObject } from '../../bpf/object.js';
import type { BpfLink } from '../../bpf/link.js';
import { u32Key } from '../../bpf/map.js';
import { RingBuffer } from '../../bpf/ring-buffer.js';
import { attachAll, type AttachStrategy } from './attach.js';

export interface CpuCaptureStats {
  /** Times the BPF program ran, on any process. */
  seen: number;
  /** Records written to the ring buffer. */
  recorded: number;
  /** Records lost because the ring buffer was full. */
  dropped: number;
  /** Samples of other processes or kernel threads. */
  filtered: number;
  /**
   * Every reason the BPF program left a sample early, by name (for the CPU samplers, see
   * collectors/cpu/exits.ts: lost, shortened or filtered), with how often; 0 for a reason never
   * met. describeLosses() there puts it in words.
   */
  exits: Record<string, number>;
  /** Records read by userspace, and their bytes. */
  received: number;
  receivedBytes: number;
  /** Records that failed to decode (should stay 0). */
  malformed: number;
}

export interface SamplingSession {
  stats(): CpuCaptureStats;
  /** Detaches, drains what is left, frees everything. Idempotent. */
  stop(): void;
}

interface SessionOptions<T> {
  /** Opened, not yet loaded; the session owns it from here and closes it. */
  obj: BpfObject;
  /** Where the programs attach, in order. */
  attach: readonly AttachStrategy[];
  ringMap: string;
  /**
   * The per-CPU counters map and the index of each counter in it; reasons by name, among them
   * 'ring-full' (stats().dropped) and 'filtered'.
   */
  counters: { map: string; seen: number; recorded: number; exits: Readonly<Record<string, number>> };
  drainIntervalMs: number;
  /** Fills maps after load, before the program is attached. */
  setup(obj: BpfObject): void;
  decode(data: Uint8Array): T | undefined;
  onSample(sample: T): void;
  /** A failure while draining (the callback threw); the session stops. Default: rethrown by stop(). */
  onError?(error: unknown): void;
}

export function startSession<T>(o: SessionOptions<T>): SamplingSession {
  const { obj } = o;
  const received = { records: 0, bytes: 0, malformed: 0 };
  let ring: RingBuffer | undefined;
  let links: BpfLink[] = [];
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;
  let final: CpuCaptureStats | undefined;

  const counter = (index: number): number => {
    let total = 0;
    for (const v of obj.map(o.counters.map).lookupPerCpu(u32Key(index)) ?? []) total += Number(v.readBigUInt64LE(0));
    return total;
  };
  const stats = (): CpuCaptureStats => {
    if (final) return { ...final, exits: { ...final.exits } };
    const exits: Record<string, number> = {};
    for (const [name, index] of Object.entries(o.counters.exits)) exits[name] = counter(index);
    return {
      seen: counter(o.counters.seen),
      recorded: counter(o.counters.recorded),
      dropped: exits['ring-full'] ?? 0,
      filtered: exits.filtered ?? 0,
      exits,
      received: received.records,
      receivedBytes: received.bytes,
      malformed: received.malformed,
    };
  };
  // Never throws: called from the timer as well as from stop().
  const shutdown = () => {
    if (final) return;
    if (timer) clearInterval(timer);
    for (const link of links) link.close();
    links = [];
    try {
      // Detached: nothing new arrives, so one more pass empties the ring buffer.
      if (failure === undefined) ring?.consume();
    } catch (e) {
      failure ??= e;
    }
    try {
      final = stats();
    } catch (e) {
      failure ??= e;
      final = { seen: 0, recorded: 0, dropped: 0, filtered: 0, exits: {}, received: received.records, receivedBytes: received.bytes, malformed: received.malformed };
    }
    ring?.close();
    obj.close();
  };
  const drain = () => {
    try {
      ring?.consume();
    } catch (e) {
      failure ??= e;
      shutdown();
      o.onError?.(e);
    }
  };

  try {
    obj.load();
    o.setup(obj);
    ring = new RingBuffer(obj.map(o.ringMap), (data) => {
      received.records++;
      received.bytes += data.length;
      const sample = o.decode(data);
      if (sample) o.onSample(sample);
      else received.malformed++;
    });
    links = attachAll(obj, o.attach);
  } catch (e) {
    ring?.close();
    obj.close();
    throw e;
  }
  timer = setInterval(drain, o.drainIntervalMs);
  return {
    stats,
    stop() {
      shutdown();
      if (failure !== undefined && !o.onError) {
        const e = failure;
        failure = undefined;
        throw e;
      }
    },
  };
}
