// Names for JIT-compiled code from the perf map a runtime writes for its process: one line per
// code blob, "START SIZE name" with START and SIZE in hex (node --perf-basic-prof, Java's
// perf-map-agent, LuaJIT built with perf support, …). The file is read as the target sees it:
// /proc/PID/root/tmp/perf-<PID in its own namespace>.map, so processes in containers work. It only
// ever grows while the runtime runs, so it is re-read when its size or mtime changes.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { containerInfo } from '../proc/container.js';

/** Bounds that keep a runaway or hostile map file from costing unbounded memory or time. */
const MAX_MAP_BYTES = 64 << 20;
const MAX_MAP_ENTRIES = 1_000_000;
const MAX_NAME = 1024;

interface PerfMapEntry {
  start: bigint;
  end: bigint;
  name: string;
}

/** Parses perf map text; lines that are not "hex hex name" are skipped. Later entries win. */
export function parsePerfMap(text: string, maxEntries = MAX_MAP_ENTRIES): PerfMapEntry[] {
  const out: PerfMapEntry[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= maxEntries) break;
    const m = /^\s*(?:0x)?([0-9a-fA-F]{1,16})\s+(?:0x)?([0-9a-fA-F]{1,16})\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const start = BigInt(`0x${m[1]}`);
    const size = BigInt(`0x${m[2]}`);
    if (size === 0n) continue;
    out.push({ start, end: start + size, name: m[3]!.slice(0, MAX_NAME) });
  }
  return out;
}

/** Entries sorted for lookup; of overlapping entries, the one written last (code was replaced). */
export class PerfMap {
  private readonly starts: bigint[];
  private readonly entries: PerfMapEntry[];
  /** Line order of each entry: among overlapping entries the later line is the live code. */
  private readonly order: number[];

  constructor(entries: readonly PerfMapEntry[]) {
    const indexed = entries.map((e, i) => ({ e, i }));
    indexed.sort((a, b) => (a.e.start < b.e.start ? -1 : a.e.start > b.e.start ? 1 : b.i - a.i));
    // One entry per start address: the newest.
    const kept = indexed.filter((x, k) => k === 0 || indexed[k - 1]!.e.start !== x.e.start);
    this.entries = kept.map((x) => x.e);
    this.starts = this.entries.map((e) => e.start);
    this.order = kept.map((x) => x.i);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry containing `addr`, preferring the newest among overlapping ones nearby. */
  lookup(addr: bigint): PerfMapEntry | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best: PerfMapEntry | undefined;
    let bestOrder = -1;
    for (let i = found, n = 0; i >= 0 && n < 16; i--, n++) {
      const e = this.entries[i]!;
      if (addr < e.end && this.order[i]! > bestOrder) {
        best = e;
        bestOrder = this.order[i]!;
      }
    }
    return best;
  }
}

/** Reads up to `max` bytes of an open file (the rest of a bigger map is left unread). */
function readHead(fd: number, max: number): Buffer {
  const buf = Buffer.allocUnsafe(max);
  let n = 0;
  while (n < max) {
    const r = readSync(fd, buf, n, max - n, n);
    if (r <= 0) break;
    n += r;
  }
  return buf.subarray(0, n);
}

/** The perf map of one process, re-read when the runtime has appended to it. */
export class ProcessPerfMap {
  readonly path: string;
  private map: PerfMap | undefined;
  private stamp = '';
  private lastCheck = 0;
  private readonly recheckMs: number;

  constructor(readonly pid: number, opts: { path?: string; recheckMs?: number } = {}) {
    this.recheckMs = opts.recheckMs ?? 200;
    if (opts.path) this.path = opts.path;
    else {
      let nsPid = pid;
      try {
        nsPid = containerInfo(pid).nsPid;
      } catch {
        // the process is gone or unreadable: the path below will simply not open
      }
      this.path = `/proc/${pid}/root/tmp/perf-${nsPid}.map`;
    }
  }

  /** Re-reads the file if it changed since the last look (at most every recheckMs). */
  refresh(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastCheck < this.recheckMs) return;
    this.lastCheck = now;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // no map (yet): the runtime writes it only when asked to
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return;
      const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      if (stamp === this.stamp) return;
      const data = readHead(fd, Math.min(st.size, MAX_MAP_BYTES));
      // A line still being written is cut off at the last newline.
      const text = data.toString('utf8', 0, data.lastIndexOf(0x0a) + 1);
      this.map = new PerfMap(parsePerfMap(text));
      this.stamp = stamp;
    } catch {
      // read failed mid-way: keep what we had
    } finally {
      closeSync(fd);
    }
  }

  /** The name of the JIT code at `addr`, if the map has it. */
  name(addr: bigint): string | undefined {
    if (!this.map || !this.map.lookup(addr)) this.refresh();
    return this.map?.lookup(addr)?.name;
  }
}
