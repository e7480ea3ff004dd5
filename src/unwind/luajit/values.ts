// Lua values (GC64 TValues) described for people: nil, booleans, numbers (integers without
// ".0"), strings (escaped and bounded, with their real length), tables (sizes and a few keys),
// functions (where they are defined), coroutines, userdata and cdata (type and address).
// Everything is read from the target and untrusted; every read is bounded.

import type { LuaType, LuaValue } from '../../model/lua-backtrace.js';
import { GCMASK, chunkDisplayName, readGCstr, type RemoteMemory } from './proto.js';
import type { LuaJitBuild } from './layout.js';
import { ffnames } from './vmdef-2.1.js';

/**
 * Field offsets of GC objects in GC64 builds of LuaJIT 2.1. test/lua/lua-bt.test.ts reads a table
 * of a real LuaJIT through them and checks its sizes and keys.
 */
const TAB = { array: 0x10, metatable: 0x20, node: 0x28, asize: 0x30, hmask: 0x34 };
const NODE_SIZE = 24; // val, key, next
const MAX_STRING = 200;
const MAX_KEYS = 4;
const MAX_SCAN = 64;

const TAGS: Record<number, LuaType> = {
  0xffffffff: 'nil', 0xfffffffe: 'boolean', 0xfffffffd: 'boolean', 0xfffffffc: 'lightuserdata',
  0xfffffffb: 'string', 0xfffffffa: 'upvalue', 0xfffffff9: 'thread', 0xfffffff8: 'proto',
  0xfffffff7: 'function', 0xfffffff6: 'trace', 0xfffffff5: 'cdata', 0xfffffff4: 'table', 0xfffffff3: 'userdata',
};

function itype(v: bigint): number {
  return Number(BigInt.asUintN(32, BigInt.asIntN(64, v) >> 47n));
}

/** The Lua type of a TValue. */
function typeOf(v: bigint): LuaType {
  const t = itype(v);
  return t >= 0xfffffff3 ? TAGS[t]! : 'number';
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(Number(n.toPrecision(14)));
}

/** A string from the target as a quoted, escaped literal that cannot disturb a terminal. */
export function quoteLuaString(bytes: string, length: number): string {
  const shown = bytes.length > MAX_STRING ? bytes.slice(0, MAX_STRING) : bytes;
  const body = shown.replace(/[\\"\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === '\\' || c === '"') return '\\' + c;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\${c.charCodeAt(0).toString().padStart(3, '0')}`;
  });
  return length > shown.length ? `"${body}"… (${length} bytes)` : `"${body}"`;
}

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

export class ValueReader {
  constructor(
    private readonly mem: RemoteMemory,
    private readonly build: LuaJitBuild,
    /** Names C functions (fluoro's native symbolizer for the process), when available. */
    private readonly cName: (addr: bigint) => string | undefined = () => undefined,
  ) {}

  describe(v: bigint, depth = 0): LuaValue {
    const type = typeOf(v);
    const gc = v & GCMASK;
    switch (type) {
      case 'nil':
        return { type, text: 'nil' };
      case 'boolean':
        return { type, text: itype(v) === 0xfffffffd ? 'true' : 'false' };
      case 'number': {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(v);
        return { type, text: formatNumber(b.readDoubleLE(0)) };
      }
      case 'string': {
        const s = readGCstr(this.mem, this.build.proto, gc, MAX_STRING);
        return s ? { type, text: quoteLuaString(s.text, s.length), length: s.length } : { type, text: `string ${hex(gc)} (unreadable)` };
      }
      case 'table':
        return { type, text: this.table(gc, depth) };
      case 'function':
        return { type, text: this.func(gc) };
      default:
        return { type, text: `${type} ${hex(gc)}` };
    }
  }

  private table(t: bigint, depth: number): string {
    const head = this.mem.read(t, 0x38);
    if (!head) return `table ${hex(t)} (unreadable)`;
    const asize = head.readUInt32LE(TAB.asize);
    const hmask = head.readUInt32LE(TAB.hmask);
    const array = head.readBigUInt64LE(TAB.array) & GCMASK;
    const node = head.readBigUInt64LE(TAB.node) & GCMASK;
    // Array slot 0 is unused by Lua; count the used slots among the first few.
    let arrayUsed = 0;
    const arr = asize > 1 ? this.mem.read(array + 8n, Math.min(asize - 1, MAX_SCAN) * 8) : undefined;
    for (let i = 0; arr && i < arr.length; i += 8) if (typeOf(arr.readBigUInt64LE(i)) !== 'nil') arrayUsed++;
    const keys: string[] = [];
    let hashUsed = 0;
    const slots = hmask === 0 && node !== 0n ? 1 : hmask + 1;
    const nodes = node ? this.mem.read(node, Math.min(slots, MAX_SCAN) * NODE_SIZE) : undefined;
    for (let i = 0; nodes && i < nodes.length; i += NODE_SIZE) {
      const val = nodes.readBigUInt64LE(i);
      const key = nodes.readBigUInt64LE(i + 8);
      if (typeOf(val) === 'nil') continue;
      hashUsed++;
      if (keys.length < MAX_KEYS && depth === 0) {
        const k = this.describe(key, depth + 1);
        const shown = k.type === 'string' ? k.text : `[${k.text}]`;
        keys.push(`${shown}=${this.describe(val, depth + 1).text}`);
      }
    }
    const more = slots > MAX_SCAN ? '+' : '';
    const parts = [`array ${arrayUsed}${asize > MAX_SCAN ? '+' : ''}`, `hash ${hashUsed}${more}`];
    const shownKeys = keys.length ? `: ${keys.join(', ')}${hashUsed > keys.length || more ? ', …' : ''}` : '';
    return `table ${hex(t)} {${parts.join(', ')}${shownKeys}}`;
  }

  private func(fn: bigint): string {
    const lay = this.build.layout;
    const head = this.mem.read(fn, lay.fn_cfunc + 8);
    if (!head) return `function ${hex(fn)}`;
    const ffid = head.readUInt8(lay.fn_ffid);
    if (ffid === 0) {
      const proto = (head.readBigUInt64LE(lay.fn_pc) & GCMASK) - BigInt(lay.proto_size);
      const p = this.mem.read(proto, lay.proto_size);
      const chunk = p ? readGCstr(this.mem, this.build.proto, p.readBigUInt64LE(this.build.proto.chunkname) & GCMASK, 256) : undefined;
      const line = p ? p.readUInt32LE(this.build.proto.firstline) : 0;
      return chunk ? `function <${chunkDisplayName(chunk.text)}:${line}>` : `function ${hex(fn)}`;
    }
    if (ffid === 1) {
      const addr = head.readBigUInt64LE(lay.fn_cfunc);
      return `function: C ${this.cName(addr) ?? hex(addr)}`;
    }
    return `function: builtin ${ffnames[ffid] ?? '#' + ffid}`;
  }
}
