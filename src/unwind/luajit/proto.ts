// Reading LuaJIT function prototypes (GCproto) out of a live process: the chunk name, the line of
// a bytecode position, the names of local variables and upvalues. Everything here is read from
// the target and untrusted: sizes are bounded, reads may fault, and a prototype may have been
// freed and its memory reused since the sample was taken (the cache below re-validates).

import type { ProtoLayout } from './layout.js';

/** Reads target memory; returns undefined when any byte of the range is unreadable. */
export interface RemoteMemory {
  read(addr: bigint, len: number): Buffer | undefined;
}

export const GCMASK = (1n << 47n) - 1n;
const MAX_BYTECODES = 1 << 20;
const MAX_NAME = 4096;
const MAX_DEBUG_INFO = 1 << 20;

interface LocalVar {
  name: string;
  /** Bytecode range [start, end) in which the variable is live. */
  start: number;
  end: number;
}

export interface ProtoInfo {
  readonly address: bigint;
  /** Chunk as people read it: "balancer.lua", "=stdin" → "stdin", a source string → [string "..."]. */
  readonly chunk: string;
  readonly firstLine: number;
  readonly numLine: number;
  readonly sizebc: number;
  /** Address of the first bytecode instruction (proto + sizeof(GCproto)). */
  readonly bc: bigint;
  /** Line of each instruction after the header, or undefined without debug info. */
  readonly lines: readonly number[] | undefined;
  /** Local variables in declaration order (the order that maps them to slots). */
  readonly vars: readonly LocalVar[];
  readonly upvalueNames: readonly string[];
  readonly kgc: bigint;
  readonly sizekgc: number;
  readonly sizeuv: number;
  /** The header bytes this was decoded from, to notice reuse of the memory. */
  readonly header: Buffer;
}

function u32(b: Buffer, o: number): number {
  return b.readUInt32LE(o);
}
function ptr(b: Buffer, o: number): bigint {
  return b.readBigUInt64LE(o) & GCMASK;
}

/** Reads a GCstr's bytes (bounded) as latin1-safe text. */
export function readGCstr(mem: RemoteMemory, layout: ProtoLayout, addr: bigint, max = MAX_NAME): { text: string; length: number } | undefined {
  const head = mem.read(addr + BigInt(layout.str_len), 4);
  if (!head) return undefined;
  const length = head.readUInt32LE(0);
  const bytes = mem.read(addr + BigInt(layout.str_data), Math.min(length, max));
  if (!bytes) return undefined;
  return { text: bytes.toString('utf8'), length };
}

/** How Lua shows a chunk name. */
export function chunkDisplayName(raw: string): string {
  if (raw.startsWith('@') || raw.startsWith('=')) return raw.slice(1);
  const firstLine = raw.split('\n', 1)[0] ?? '';
  const short = firstLine.length > 40 ? firstLine.slice(0, 40) + '...' : firstLine;
  return `[string "${short}${firstLine !== raw && short === firstLine ? '...' : ''}"]`;
}

/** Reads a NUL-terminated sequence of debug data, bounded, in chunks. */
function readUntil(mem: RemoteMemory, addr: bigint, done: (b: Buffer) => number | undefined): Buffer | undefined {
  let buf = Buffer.alloc(0);
  for (let chunk = 256; buf.length < MAX_DEBUG_INFO; chunk = Math.min(chunk * 2, 16384)) {
    const more = mem.read(addr + BigInt(buf.length), chunk) ?? readPartial(mem, addr + BigInt(buf.length), chunk);
    if (!more || more.length === 0) return buf.length ? buf : undefined;
    buf = Buffer.concat([buf, more]);
    const end = done(buf);
    if (end !== undefined) return buf.subarray(0, end);
  }
  return undefined;
}

/** At the end of a mapping a whole chunk may fault; fall back to what lies before the page end. */
function readPartial(mem: RemoteMemory, addr: bigint, len: number): Buffer | undefined {
  const toPage = Number(4096n - (addr & 4095n));
  return toPage < len ? mem.read(addr, toPage) : undefined;
}

function uleb(b: Buffer, pos: { i: number }): number | undefined {
  let v = 0;
  let shift = 0;
  while (pos.i < b.length && shift < 35) {
    const byte = b[pos.i++]!;
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return v;
    shift += 7;
  }
  return undefined;
}

const INTERNAL_VARNAMES = ['', '(for index)', '(for limit)', '(for step)', '(for generator)', '(for state)', '(for control)'];

/** Decodes varinfo: entries of name, start delta and length; returns the entries and the end. */
export function decodeVarinfo(b: Buffer): { vars: LocalVar[]; end: number | undefined } {
  const vars: LocalVar[] = [];
  const pos = { i: 0 };
  let last = 0;
  while (pos.i < b.length) {
    const vn = b[pos.i]!;
    let name: string;
    if (vn === 0) return { vars, end: pos.i + 1 };
    if (vn < INTERNAL_VARNAMES.length) {
      name = INTERNAL_VARNAMES[vn]!;
      pos.i++;
    } else {
      const nul = b.indexOf(0, pos.i);
      if (nul < 0) break;
      name = b.toString('utf8', pos.i, Math.min(nul, pos.i + MAX_NAME));
      pos.i = nul + 1;
    }
    const delta = uleb(b, pos);
    const len = delta === undefined ? undefined : uleb(b, pos);
    if (delta === undefined || len === undefined) break;
    last += delta;
    vars.push({ name, start: last, end: last + len });
  }
  return { vars, end: undefined };
}

/** Reads and decodes the prototype at `addr`; undefined if it cannot be read or is implausible. */
function readProto(mem: RemoteMemory, layout: ProtoLayout, size: number, addr: bigint): ProtoInfo | undefined {
  const header = mem.read(addr, size);
  if (!header) return undefined;
  const sizebc = u32(header, layout.sizebc);
  const numLine = u32(header, layout.numline);
  const firstLine = u32(header, layout.firstline);
  if (sizebc === 0 || sizebc > MAX_BYTECODES) return undefined;
  const name = readGCstr(mem, layout, ptr(header, layout.chunkname));
  if (!name) return undefined;

  let lines: number[] | undefined;
  const lineinfo = ptr(header, layout.lineinfo);
  if (lineinfo !== 0n && sizebc > 1) {
    const width = numLine < 256 ? 1 : numLine < 65536 ? 2 : 4;
    const raw = mem.read(lineinfo, (sizebc - 1) * width);
    if (raw) {
      lines = [];
      for (let i = 0; i < sizebc - 1; i++) {
        const d = width === 1 ? raw[i]! : width === 2 ? raw.readUInt16LE(2 * i) : raw.readUInt32LE(4 * i);
        lines.push(firstLine + d);
      }
    }
  }

  let vars: LocalVar[] = [];
  const varinfo = ptr(header, layout.varinfo);
  if (varinfo !== 0n) {
    const raw = readUntil(mem, varinfo, (b) => decodeVarinfo(b).end);
    if (raw) vars = decodeVarinfo(raw).vars;
  }

  const sizeuv = header.readUInt8(layout.sizeuv);
  const upvalueNames: string[] = [];
  const uvinfo = ptr(header, layout.uvinfo);
  if (uvinfo !== 0n && sizeuv > 0) {
    const raw = readUntil(mem, uvinfo, (b) => {
      let count = 0;
      for (let i = 0; i < b.length; i++) if (b[i] === 0 && ++count === sizeuv) return i + 1;
      return undefined;
    });
    if (raw) upvalueNames.push(...raw.toString('utf8').split('\0').slice(0, sizeuv));
  }

  return {
    address: addr,
    chunk: chunkDisplayName(name.text),
    firstLine,
    numLine,
    sizebc,
    bc: addr + BigInt(size),
    lines,
    vars,
    upvalueNames,
    kgc: ptr(header, layout.k),
    sizekgc: u32(header, layout.sizekgc),
    sizeuv,
    header,
  };
}

/** The source line of the instruction at bytecode position `bcpos` (LuaJIT's own rule). */
export function lineAt(p: ProtoInfo, bcpos: number): number {
  if (!p.lines || bcpos < 0) return 0;
  if (bcpos === 0) return p.firstLine;
  if (bcpos >= p.sizebc) return p.firstLine + p.numLine;
  return p.lines[bcpos - 1] ?? 0;
}

/** The names of the variables in scope at `bcpos`, in slot order (slot i = names[i]). */
export function varsAt(p: ProtoInfo, bcpos: number): LocalVar[] {
  return p.vars.filter((v) => v.start <= bcpos && bcpos < v.end);
}

/**
 * Caches prototypes by address. A prototype can be freed and its memory reused, so a cached one is
 * re-validated against its header in the target, but at most once per `revalidateMs`: checking on
 * every use cost a process_vm_readv per Lua frame per sample (5% of the profiler's CPU on an
 * OpenResty worker at 99 Hz), while samples a drain handles together are within 20 ms of each other.
 */
export class ProtoCache {
  private readonly cache = new Map<bigint, { info: ProtoInfo | null; checkedAt: number }>();

  constructor(
    private readonly mem: RemoteMemory,
    private readonly layout: ProtoLayout,
    private readonly size: number,
    private readonly limit = 65536,
    private readonly revalidateMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(addr: bigint): ProtoInfo | undefined {
    const t = this.now();
    const cached = this.cache.get(addr);
    if (cached !== undefined) {
      if (cached.info === null) return undefined;
      if (t - cached.checkedAt < this.revalidateMs) return cached.info;
      const header = this.mem.read(addr, this.size);
      if (header && header.equals(cached.info.header)) {
        cached.checkedAt = t;
        return cached.info;
      }
    }
    const info = readProto(this.mem, this.layout, this.size, addr);
    if (this.cache.size >= this.limit) this.cache.clear();
    this.cache.set(addr, { info: info ?? null, checkedAt: t });
    return info;
  }
}
