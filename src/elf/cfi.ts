// The DWARF call frame instruction interpreter: runs a CIE's initial instructions and an FDE's
// instructions and yields the rows of the (conceptual) unwind table, one per address range where the
// rules change. Register numbers are DWARF's (x86_64: 6 = rbp, 7 = rsp, 16 = return address).

import { DwarfCursor, type PointerBases } from './dwarf-cursor.js';

export type CfaRule =
  | { kind: 'reg'; reg: number; offset: number }
  | { kind: 'expr'; expr: Buffer };

/** How to recover a register of the caller. "same" is also the rule of registers never mentioned. */
export type RegRule =
  | { kind: 'same' }
  | { kind: 'undefined' }
  | { kind: 'offset'; offset: number }
  | { kind: 'val-offset'; offset: number }
  | { kind: 'register'; reg: number }
  | { kind: 'expr'; expr: Buffer }
  | { kind: 'val-expr'; expr: Buffer };

interface CfiState {
  cfa: CfaRule;
  regs: Map<number, RegRule>;
}

export interface CfiRow extends CfiState {
  /** First address (file vaddr) the row applies to. */
  pc: number;
}

/** What a CIE contributes to the interpretation of its FDEs' instructions. */
export interface CfiParams {
  codeAlign: number;
  dataAlign: number;
  raReg: number;
  /** Pointer encoding for DW_CFA_set_loc (the CIE's 'R' encoding; absptr in .debug_frame). */
  fdeEncoding: number;
}

export class CfiError extends Error {}

const MAX_STATE_STACK = 64;
const SAME: RegRule = { kind: 'same' };

function clone(s: CfiState): CfiState {
  return { cfa: s.cfa, regs: new Map(s.regs) };
}

export function emptyState(): CfiState {
  return { cfa: { kind: 'reg', reg: 7, offset: 0 }, regs: new Map() };
}

/**
 * Executes `program`. With `initial` (the state after the CIE's instructions) DW_CFA_restore works;
 * rows are collected for [pcBegin, pcEnd). Returns the rows (first at pcBegin) and the final state.
 * Throws CfiError/DwarfRangeError on malformed input; the caller drops that FDE.
 */
export function executeCfi(
  program: Buffer,
  params: CfiParams,
  start: CfiState,
  pcBegin: number,
  pcEnd: number,
  initial: CfiState = start,
  bases: PointerBases = { section: 0 },
): { rows: CfiRow[]; state: CfiState } {
  const c = new DwarfCursor(program);
  let state = clone(start);
  let loc = pcBegin;
  const rows: CfiRow[] = [];
  const stack: CfiState[] = [];
  const emit = (next: number): void => {
    if (next < loc) throw new CfiError('location moved backwards');
    if (next === loc) return;
    if (loc < pcEnd) rows.push({ pc: loc, ...clone(state) });
    loc = next;
  };
  const setReg = (reg: number, rule: RegRule): void => {
    if (reg > 1000) throw new CfiError(`register ${reg} out of range`);
    state.regs.set(reg, rule);
  };
  const restore = (reg: number): void => {
    const r = initial.regs.get(reg);
    if (r) state.regs.set(reg, r);
    else state.regs.delete(reg);
  };
  const cfaOffset = (offset: number): void => {
    if (state.cfa.kind !== 'reg') throw new CfiError('CFA offset change with an expression CFA');
    state.cfa = { kind: 'reg', reg: state.cfa.reg, offset };
  };
  const { codeAlign: ca, dataAlign: da } = params;

  while (c.left > 0) {
    const op = c.u8();
    const hi = op & 0xc0;
    const low = op & 0x3f;
    if (hi === 0x40) {
      emit(loc + low * ca);
      continue;
    }
    if (hi === 0x80) {
      setReg(low, { kind: 'offset', offset: c.uleb() * da });
      continue;
    }
    if (hi === 0xc0) {
      restore(low);
      continue;
    }
    switch (op) {
      case 0x00: break; // nop
      case 0x01: { // set_loc
        const p = c.pointer(params.fdeEncoding, bases);
        if (!p) throw new CfiError('set_loc with omitted pointer');
        emit(p.value);
        break;
      }
      case 0x02: emit(loc + c.u8() * ca); break;
      case 0x03: emit(loc + c.u16() * ca); break;
      case 0x04: emit(loc + c.u32() * ca); break;
      case 0x05: { const r = c.uleb(); setReg(r, { kind: 'offset', offset: c.uleb() * da }); break; }
      case 0x06: restore(c.uleb()); break;
      case 0x07: setReg(c.uleb(), { kind: 'undefined' }); break;
      case 0x08: setReg(c.uleb(), SAME); break;
      case 0x09: { const r = c.uleb(); setReg(r, { kind: 'register', reg: c.uleb() }); break; }
      case 0x0a:
        if (stack.length >= MAX_STATE_STACK) throw new CfiError('remember_state nested too deep');
        stack.push(clone(state));
        break;
      case 0x0b: {
        // restore_state brings back the register rules; the CFA too, as GCC and LLVM both expect.
        const s = stack.pop();
        if (!s) throw new CfiError('restore_state without remember_state');
        state = s;
        break;
      }
      case 0x0c: { const r = c.uleb(); state.cfa = { kind: 'reg', reg: r, offset: c.uleb() }; break; }
      case 0x0d: {
        const r = c.uleb();
        state.cfa = { kind: 'reg', reg: r, offset: state.cfa.kind === 'reg' ? state.cfa.offset : 0 };
        break;
      }
      case 0x0e: cfaOffset(c.uleb()); break;
      case 0x0f: state.cfa = { kind: 'expr', expr: Buffer.from(c.bytes(c.uleb())) }; break;
      case 0x10: { const r = c.uleb(); setReg(r, { kind: 'expr', expr: Buffer.from(c.bytes(c.uleb())) }); break; }
      case 0x11: { const r = c.uleb(); setReg(r, { kind: 'offset', offset: c.sleb() * da }); break; }
      case 0x12: { const r = c.uleb(); state.cfa = { kind: 'reg', reg: r, offset: c.sleb() * da }; break; }
      case 0x13: cfaOffset(c.sleb() * da); break;
      case 0x14: { const r = c.uleb(); setReg(r, { kind: 'val-offset', offset: c.uleb() * da }); break; }
      case 0x15: { const r = c.uleb(); setReg(r, { kind: 'val-offset', offset: c.sleb() * da }); break; }
      case 0x16: { const r = c.uleb(); setReg(r, { kind: 'val-expr', expr: Buffer.from(c.bytes(c.uleb())) }); break; }
      case 0x2e: c.uleb(); break; // GNU_args_size: only matters for exception landing pads
      case 0x2f: { const r = c.uleb(); setReg(r, { kind: 'offset', offset: -c.uleb() * da }); break; }
      default:
        throw new CfiError(`unknown call frame instruction 0x${op.toString(16)}`);
    }
  }
  if (loc < pcEnd) rows.push({ pc: loc, ...clone(state) });
  return { rows, state };
}
