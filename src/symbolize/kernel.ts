// Kernel addresses to function names, from /proc/kallsyms. The file lists every kernel and module
// symbol (about 120k lines); it is read once, indexed, sorted, and looked up by binary search. Without root
// (or with kernel.kptr_restrict=2) the kernel prints every address as zero: that is reported as
// "unavailable", never as a table in which every address resolves to the first symbol.

import { readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors.js';
import { readBounded } from '../proc/procfs.js';
import { readStoreFile, writeStoreFile } from './name-store.js';

interface KernelSymbol {
  name: string;
  /** The module, for symbols of loadable modules (also "bpf" and "__builtin__ftrace" trampolines). */
  module?: string;
  /** Start of the symbol. */
  address: bigint;
  /** addr − address. */
  offset: bigint;
}

export class KernelSymbolsUnavailableError extends NotSupportedError {
  constructor(detail: string) {
    super(`kernel symbols are unavailable: ${detail}`);
  }
}

const KALLSYMS = '/proc/kallsyms';
const MAX_KALLSYMS_BYTES = 256 << 20;
/** Markers of the end of a text region: an address that lands on them is past the last function. */
const END_MARKERS = new Set(['_etext', '__entry_text_end', '__irqentry_text_end']);

/**
 * Kernel code lives in the top half of the address space; below 2^64 − 2^48 is never kernel text.
 * Addresses are kept as their offset from there, which a double holds exactly (48 bits).
 */
const KERNEL_BASE = 0xffff000000000000n;
const KERNEL_BASE_HI = 0xffff0000;
const TWO_32 = 2 ** 32;
const SNAPSHOT_MAGIC = 'FKS1';
const SNAPSHOT_HEADER = 32;

export class KernelSymbols {
  /**
   * The table, sorted by address: each address as its offset from KERNEL_BASE, and where its name
   * (and module, or -1) sits in the text of kallsyms, which is kept and sliced only for the
   * symbols a lookup hits. Parsing 120k lines into objects and BigInts took 220 ms; this takes 10.
   */
  private constructor(
    private readonly text: string,
    private readonly starts: Float64Array,
    private readonly nameAt: Int32Array,
    private readonly moduleAt: Int32Array,
    private readonly text_: [number, number] | undefined,
  ) {}

  /** Number of distinct symbol addresses held. */
  get size(): number {
    return this.starts.length;
  }

  /** Parses the text of /proc/kallsyms; throws KernelSymbolsUnavailableError when addresses are hidden. */
  static parse(text: string): KernelSymbols {
    let lines = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
    const keys = new Float64Array(lines);
    const nameAt = new Int32Array(lines);
    const moduleAt = new Int32Array(lines);
    const global = new Uint8Array(lines);
    let rows = 0;
    let nonZero = false;
    let total = 0;
    let sorted = true;
    let stext: number | undefined, etext: number | undefined;
    let pos = 0;
    while (pos < text.length) {
      let eol = text.indexOf('\n', pos);
      if (eol < 0) eol = text.length;
      const line = pos;
      pos = eol + 1;
      // "ffffffff821fb620 T schedule" or "ffffffffc0201000 t name\t[module]"
      let sp1 = line + 16; // the usual width of an address
      if (sp1 >= eol || text.charCodeAt(sp1) !== 0x20) for (sp1 = line; sp1 < eol && text.charCodeAt(sp1) !== 0x20; sp1++);
      if (sp1 === line || sp1 + 3 > eol || text.charCodeAt(sp1 + 2) !== 0x20) continue;
      total++;
      if (sp1 - line > 16) continue;
      const h = sp1 - line > 8 ? hex(text, line, sp1 - 8) : 0;
      const l = hex(text, Math.max(line, sp1 - 8), sp1);
      if (h < 0 || l < 0) continue;
      if (h !== 0 || l !== 0) nonZero = true;
      const type = text.charCodeAt(sp1 + 1);
      // Code symbols: text (t/T) and weak (w/W). Data symbols would claim code addresses that follow them.
      if (type !== 0x74 && type !== 0x54 && type !== 0x77 && type !== 0x57) continue;
      if (h < KERNEL_BASE_HI) continue;
      // A module's symbol ends in "\t[module]".
      const tab = text.charCodeAt(eol - 1) === 0x5d ? text.lastIndexOf('\t', eol) : -1;
      const key = (h - KERNEL_BASE_HI) * TWO_32 + l;
      // The bounds of the core kernel's text (their names may lose to aliases at the same address).
      if (eol - sp1 === 9 && text.charCodeAt(sp1 + 3) === 0x5f) {
        if (text.startsWith('_stext', sp1 + 3)) stext = key;
        else if (text.startsWith('_etext', sp1 + 3)) etext = key;
      }
      if (rows > 0 && key < keys[rows - 1]!) sorted = false;
      keys[rows] = key;
      nameAt[rows] = sp1 + 3;
      moduleAt[rows] = tab > sp1 && text.charCodeAt(tab + 1) === 0x5b ? tab + 2 : -1;
      global[rows] = type === 0x54 || type === 0x57 ? 1 : 0;
      rows++;
    }
    if (total === 0) throw new KernelSymbolsUnavailableError(`${KALLSYMS} is empty`);
    if (!nonZero) {
      throw new KernelSymbolsUnavailableError(
        `${KALLSYMS} shows only zero addresses (kernel.kptr_restrict=${kptrRestrict()}); ` +
          'run as root, or set kernel.kptr_restrict=0',
      );
    }
    // kallsyms is sorted on most kernels (the core kernel, then each module): sort only if not.
    const order = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) order[i] = i;
    if (!sorted) order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    // Several names often share an address (_text, _stext, ...): keep one, a global one if any.
    const keep = new Uint32Array(rows);
    let n = 0;
    for (let k = 0; k < rows; k++) {
      const r = order[k]!;
      if (n > 0 && keys[keep[n - 1]!] === keys[r]) {
        if (!global[keep[n - 1]!] && global[r]) keep[n - 1] = r;
        continue;
      }
      keep[n++] = r;
    }
    const starts = new Float64Array(n);
    const names = new Int32Array(n);
    const modules = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const r = keep[k]!;
      starts[k] = keys[r]!;
      names[k] = nameAt[r]!;
      modules[k] = moduleAt[r]!;
    }
    return new KernelSymbols(text, starts, names, modules, stext !== undefined && etext !== undefined ? [stext, etext] : undefined);
  }

  /**
   * The symbol that contains addr: the last one starting at or below it. Addresses below the first
   * symbol or on an end-of-text marker resolve to nothing. (Without symbol sizes, an address in a
   * gap after a function is attributed to that function, as every kallsyms reader does.)
   */
  lookup(addr: bigint): KernelSymbol | undefined {
    if (addr < KERNEL_BASE || addr > 0xffffffffffffffffn) return undefined;
    const key = Number(addr - KERNEL_BASE);
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const name = this.field(this.nameAt[found]!, 0x09);
    if (END_MARKERS.has(name)) return undefined;
    const address = KERNEL_BASE + BigInt(s[found]!);
    const sym: KernelSymbol = { name, address, offset: addr - address };
    const m = this.moduleAt[found]!;
    if (m >= 0) sym.module = this.field(m, 0x5d);
    return sym;
  }

  /** Just the function name at addr, for frame naming; undefined when addr is not in kernel text. */
  name(addr: bigint): string | undefined {
    return this.lookup(addr)?.name;
  }

  /** The core kernel's text, [_stext, _etext), when kallsyms names both. */
  textRange(): [bigint, bigint] | undefined {
    const r = this.text_;
    return r && r[0] < r[1] ? [KERNEL_BASE + BigInt(r[0]), KERNEL_BASE + BigInt(r[1])] : undefined;
  }

  /**
   * The core kernel's text symbols, [_stext, _etext], as bytes that fromSnapshot() reads back
   * without parsing: a header, the addresses, the offsets of the names, and the names.
   */
  coreSnapshot(): Buffer | undefined {
    const r = this.text_;
    if (!r || !(r[0] < r[1])) return undefined;
    let first = 0;
    while (first < this.starts.length && this.starts[first]! < r[0]) first++;
    let end = first;
    while (end < this.starts.length && this.starts[end]! <= r[1]) end++;
    const n = end - first;
    const names: string[] = [];
    const offsets = new Uint32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const name = this.field(this.nameAt[first + i]!, 0x09);
      offsets[i] = at;
      names.push(name);
      at += name.length + 1;
    }
    const blob = Buffer.from(names.join('\n') + '\n', 'latin1');
    const head = Buffer.alloc(SNAPSHOT_HEADER);
    head.write(SNAPSHOT_MAGIC, 0, 'latin1');
    head.writeUInt32LE(n, 4);
    head.writeUInt32LE(blob.length, 8);
    head.writeDoubleLE(r[0], 16);
    head.writeDoubleLE(r[1], 24);
    const starts = Buffer.from(this.starts.slice(first, end).buffer);
    return Buffer.concat([head, starts, Buffer.from(offsets.buffer), blob]);
  }

  /** A table from coreSnapshot()'s bytes; undefined unless they are whole and consistent. */
  static fromSnapshot(buf: Buffer): KernelSymbols | undefined {
    if (buf.length < SNAPSHOT_HEADER || buf.toString('latin1', 0, 4) !== SNAPSHOT_MAGIC) return undefined;
    const n = buf.readUInt32LE(4);
    const blobBytes = buf.readUInt32LE(8);
    const stext = buf.readDoubleLE(16);
    const etext = buf.readDoubleLE(24);
    if (buf.length !== SNAPSHOT_HEADER + 12 * n + blobBytes || !(stext < etext)) return undefined;
    const starts = new Float64Array(n);
    const nameAt = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      starts[i] = buf.readDoubleLE(SNAPSHOT_HEADER + 8 * i);
      nameAt[i] = buf.readUInt32LE(SNAPSHOT_HEADER + 8 * n + 4 * i);
      if (nameAt[i]! >= blobBytes || (i > 0 && !(starts[i]! > starts[i - 1]!)) || !Number.isInteger(starts[i])) return undefined;
    }
    const text = buf.toString('latin1', SNAPSHOT_HEADER + 12 * n);
    return new KernelSymbols(text, starts, nameAt, new Int32Array(n).fill(-1), [stext, etext]);
  }

  /** The text from `at` to the end of its line, or to the first `stop` character before that. */
  private field(at: number, stop: number): string {
    let end = at;
    while (end < this.text.length) {
      const c = this.text.charCodeAt(end);
      if (c === 0x0a || c === stop) break;
      end++;
    }
    return this.text.slice(at, end);
  }
}

/** The value of the hex digits text[from, to), or -1 if any is not a lowercase hex digit. */
function hex(text: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

function kptrRestrict(): string {
  try {
    return readFileSync('/proc/sys/kernel/kptr_restrict', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

let loaded: KernelSymbols | KernelSymbolsUnavailableError | undefined;

/** The kernel's symbols, read once per process. Throws KernelSymbolsUnavailableError when hidden. */
export function kernelSymbols(): KernelSymbols {
  if (loaded === undefined) {
    try {
      loaded = KernelSymbols.parse(readBounded(KALLSYMS, MAX_KALLSYMS_BYTES).data.toString('latin1'));
    } catch (err) {
      if (err instanceof KernelSymbolsUnavailableError) loaded = err;
      else if ((err as NodeJS.ErrnoException).code) loaded = new KernelSymbolsUnavailableError(`cannot read ${KALLSYMS} (${(err as NodeJS.ErrnoException).code})`);
      else throw err;
    }
  }
  if (loaded instanceof KernelSymbolsUnavailableError) throw loaded;
  return loaded;
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The largest snapshot read back. */
const MAX_SNAPSHOT_BYTES = 64 << 20;

/**
 * Names for kernel frames, reading /proc/kallsyms only when needed. With name stores on, the core
 * kernel's text symbols are kept per boot: within one boot that text does not move (its KASLR
 * offset is chosen at boot), so the next run names its addresses from the snapshot, without
 * reading the ~5 MB of kallsyms (65 ms of the kernel's time, 30 more to index). Module and BPF
 * addresses, which come and go, always go to kallsyms. `onUnavailable` hears once why kernel
 * symbols cannot be read; frames then keep addresses.
 */
export function kernelNames(
  onUnavailable: (err: KernelSymbolsUnavailableError) => void,
  source: () => KernelSymbols = kernelSymbols,
): Pick<KernelSymbols, 'name'> {
  const boot = bootId();
  let table: KernelSymbols | null | undefined;
  let core: { table: KernelSymbols; range: [bigint, bigint] } | null | undefined;
  const load = (): KernelSymbols | null => {
    if (table === undefined) {
      try {
        table = source();
        if (!core) {
          const snapshot = table.coreSnapshot();
          if (snapshot) writeStoreFile('kernel', boot, 'bin', snapshot, true); // earlier boots' go
        }
      } catch (err) {
        if (!(err instanceof KernelSymbolsUnavailableError)) throw err;
        onUnavailable(err);
        table = null;
      }
    }
    return table;
  };
  return {
    name(addr: bigint): string | undefined {
      if (core === undefined) {
        const buf = readStoreFile('kernel', boot, 'bin', MAX_SNAPSHOT_BYTES);
        const t = buf ? KernelSymbols.fromSnapshot(buf) : undefined;
        const range = t?.textRange();
        core = t && range ? { table: t, range } : null;
      }
      if (core && addr >= core.range[0] && addr < core.range[1]) return core.table.name(addr);
      return load()?.name(addr);
    },
  };
}
