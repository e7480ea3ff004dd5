// Naming a Lua function the way its caller named it, as LuaJIT's own tracebacks do: the call
// instruction's function slot was last written by GGET (a global), TGETS (a field, or a method
// when the object was moved into the self slot), UGET (an upvalue) or MOV from a named local.
// Functions have no names of their own in Lua; this is the best name there is.

import { GCMASK, readGCstr, type ProtoInfo, type RemoteMemory } from './proto.js';
import type { ProtoLayout } from './layout.js';
import { bcnames } from './vmdef-2.1.js';

const op = Object.fromEntries(bcnames.map((n, i) => [n, i])) as Record<string, number>;

/** Ops whose A operand is a destination register. */
const DST = new Set(
  [
    'ISTC', 'ISFC', 'MOV', 'NOT', 'UNM', 'LEN',
    'ADDVN', 'SUBVN', 'MULVN', 'DIVVN', 'MODVN', 'ADDNV', 'SUBNV', 'MULNV', 'DIVNV', 'MODNV',
    'ADDVV', 'SUBVV', 'MULVV', 'DIVVV', 'MODVV', 'POW', 'CAT',
    'KSTR', 'KCDATA', 'KSHORT', 'KNUM', 'KPRI', 'UGET', 'FNEW', 'TNEW', 'TDUP',
    'GGET', 'TGETV', 'TGETS', 'TGETB', 'TGETR',
  ].map((n) => op[n]!),
);
/** Ops whose A operand is a base: they may write every slot from A upward. */
const BASE = new Set(
  [
    'KNIL', 'TSETM', 'CALLM', 'CALL', 'CALLMT', 'CALLT', 'ITERC', 'ITERN', 'VARG', 'ISNEXT',
    'RETM', 'RET', 'RET0', 'RET1', 'FORI', 'JFORI', 'FORL', 'IFORL', 'JFORL', 'ITERL', 'IITERL', 'JITERL',
  ].map((n) => op[n]!),
);
const CALLS = new Set(['CALLM', 'CALL', 'CALLMT', 'CALLT'].map((n) => op[n]!));
const ITERS = new Set(['ITERC', 'ITERN'].map((n) => op[n]!));

const bcOp = (ins: number) => ins & 0xff;
const bcA = (ins: number) => (ins >>> 8) & 0xff;
const bcB = (ins: number) => ins >>> 24;
const bcC = (ins: number) => (ins >>> 16) & 0xff;
const bcD = (ins: number) => ins >>> 16;

interface SlotName {
  kind: 'local' | 'global' | 'field' | 'method' | 'upvalue' | 'for iterator';
  name: string;
}

/** Reads the constant string at negative index ~idx of the prototype's GC constants. */
function kstr(mem: RemoteMemory, layout: ProtoLayout, p: ProtoInfo, idx: number): string | undefined {
  if (idx >= p.sizekgc) return undefined;
  const slot = mem.read(p.kgc - BigInt(8 * (idx + 1)), 8);
  if (!slot) return undefined;
  return readGCstr(mem, layout, slot.readBigUInt64LE(0) & GCMASK, 256)?.text;
}

/** What the slot `slot` holds at bytecode position `pos` of `p`, as far as the bytecode tells. */
function slotName(
  mem: RemoteMemory,
  layout: ProtoLayout,
  p: ProtoInfo,
  pos: number,
  slot: number,
  code?: Uint32Array,
): SlotName | undefined {
  const bc = code ?? readCode(mem, p, pos + 1);
  if (!bc) return undefined;
  for (let guard = 0; guard < 64; guard++) {
    const local = p.vars.filter((v) => v.start <= pos && pos < v.end)[slot];
    if (local) return { kind: 'local', name: local.name };
    let i = pos;
    let restarted = false;
    while (--i > 0) {
      const ins = bc[i]!;
      const o = bcOp(ins);
      const a = bcA(ins);
      if (BASE.has(o)) {
        if (slot >= a && (o !== op.KNIL || slot <= bcD(ins))) return undefined;
      } else if (DST.has(o) && a === slot) {
        if (o === op.MOV) {
          slot = bcD(ins);
          pos = i;
          restarted = true;
          break;
        }
        if (o === op.GGET) {
          const name = kstr(mem, layout, p, bcD(ins));
          return name === undefined ? undefined : { kind: 'global', name };
        }
        if (o === op.TGETS) {
          const name = kstr(mem, layout, p, bcC(ins));
          if (name === undefined) return undefined;
          const prev = bc[i - 1];
          const isMethod = prev !== undefined && bcOp(prev) === op.MOV && bcA(prev) === a + 2 && bcD(prev) === bcB(ins);
          return { kind: isMethod ? 'method' : 'field', name };
        }
        if (o === op.UGET) {
          const name = p.upvalueNames[bcD(ins)];
          return name === undefined ? undefined : { kind: 'upvalue', name };
        }
        return undefined;
      }
    }
    if (!restarted) return undefined;
  }
  return undefined;
}

/** The first `count` instructions of a prototype (bounded by its size). */
function readCode(mem: RemoteMemory, p: ProtoInfo, count: number): Uint32Array | undefined {
  const n = Math.min(count, p.sizebc);
  const raw = mem.read(p.bc, 4 * n);
  if (!raw) return undefined;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = raw.readUInt32LE(4 * i);
  return out;
}

/**
 * The name of the function that the caller is calling at bytecode position `callPos`, or
 * undefined when the caller's bytecode does not say (called from C, or through an expression).
 */
export function calleeName(mem: RemoteMemory, layout: ProtoLayout, caller: ProtoInfo, callPos: number): SlotName | undefined {
  const code = readCode(mem, caller, callPos + 1);
  const ins = code?.[callPos];
  if (ins === undefined) return undefined;
  if (ITERS.has(bcOp(ins))) return { kind: 'for iterator', name: 'for iterator' };
  if (!CALLS.has(bcOp(ins))) return undefined;
  return slotName(mem, layout, caller, callPos, bcA(ins), code);
}
