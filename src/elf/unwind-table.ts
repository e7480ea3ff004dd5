// The compact unwind table of one file: rows sorted by pc (file vaddr), each saying how to find the
// CFA, the caller's rbp and the return address. Only what an x86_64 frame walker needs survives
// compilation; rules it cannot follow become explicit "unsupported" rows so a walk stops honestly
// instead of guessing. Gaps between FDEs are "no CFI" rows.

import { executeCfi, type CfaRule, type CfiRow, type RegRule } from './cfi.js';
import { parseFrames, type Fde, type FrameSection } from './eh-frame.js';
import { DwarfCursor } from './dwarf-cursor.js';

export const CfaKind = {
  /** No CFI covers this pc. */
  none: 0,
  /** CFA = reg + offset. */
  reg: 1,
  /** The .plt rule: CFA = rsp + offset + ((rip & 15) >= threshold ? 8 : 0); threshold in `cfaReg`. */
  plt: 2,
  /** CFA = *(reg + offset): functions that realign the stack keep the CFA in memory. */
  deref: 3,
  /** A signal trampoline: the caller's registers are in the ucontext at rsp. */
  signal: 4,
  /** An expression we do not evaluate. */
  unsupported: 5,
} as const;

export const RbpKind = { same: 0, atCfa: 1, unknown: 2 } as const;
export const RaKind = { atCfa: 0, undefined: 1, unsupported: 2 } as const;

export interface UnwindRow {
  pc: number;
  cfaKind: number;
  cfaReg: number;
  cfaOffset: number;
  rbpKind: number;
  rbpOffset: number;
  raKind: number;
  raOffset: number;
}

interface UnwindTableStats {
  rows: number;
  fdes: number;
  badEntries: number;
  /** Distinct rules (everything but pc). */
  rules: number;
  /** Size with 8-byte entries {pc u32, rule u32} plus 12 bytes per distinct rule. */
  packedBytes: number;
}

const RSP = 7;
const RBP = 6;

/** Recognises the expressions compilers and binutils actually emit for x86_64; see CfaKind. */
function compileCfa(cfa: CfaRule): Pick<UnwindRow, 'cfaKind' | 'cfaReg' | 'cfaOffset'> {
  if (cfa.kind === 'reg') return { cfaKind: CfaKind.reg, cfaReg: cfa.reg, cfaOffset: cfa.offset };
  const e = cfa.expr;
  try {
    const c = new DwarfCursor(e);
    const op = c.u8();
    if (op >= 0x70 && op <= 0x8f) {
      const reg = op - 0x70;
      const off = c.sleb();
      if (c.left === 1 && c.u8() === 0x06) return { cfaKind: CfaKind.deref, cfaReg: reg, cfaOffset: off };
      // breg7 K; breg16 0; lit15; and; litT; ge; lit3; shl; plus
      if (reg === RSP && c.left === 9) {
        const rest = c.bytes(9);
        const t = rest[4]! - 0x30;
        if (rest[0] === 0x80 && rest[1] === 0 && rest[2] === 0x3f && rest[3] === 0x1a && t >= 0 && t < 16 &&
            rest[5] === 0x2a && rest[6] === 0x33 && rest[7] === 0x24 && rest[8] === 0x22) {
          return { cfaKind: CfaKind.plt, cfaReg: t, cfaOffset: off };
        }
      }
    }
  } catch {
    // fall through: unsupported
  }
  return { cfaKind: CfaKind.unsupported, cfaReg: 0, cfaOffset: 0 };
}

function compileRbp(r: RegRule | undefined): Pick<UnwindRow, 'rbpKind' | 'rbpOffset'> {
  if (!r || r.kind === 'same') return { rbpKind: RbpKind.same, rbpOffset: 0 };
  if (r.kind === 'offset') return { rbpKind: RbpKind.atCfa, rbpOffset: r.offset };
  return { rbpKind: RbpKind.unknown, rbpOffset: 0 };
}

function compileRa(r: RegRule | undefined): Pick<UnwindRow, 'raKind' | 'raOffset'> {
  if (r?.kind === 'offset') return { raKind: RaKind.atCfa, raOffset: r.offset };
  if (r?.kind === 'undefined') return { raKind: RaKind.undefined, raOffset: 0 };
  return { raKind: RaKind.unsupported, raOffset: 0 };
}

function compileRow(row: CfiRow, raReg: number, signal: boolean): UnwindRow {
  const base = { pc: row.pc, ...compileCfa(row.cfa), ...compileRbp(row.regs.get(RBP)), ...compileRa(row.regs.get(raReg)) };
  if (signal) return { ...base, cfaKind: CfaKind.signal, cfaReg: 0, cfaOffset: 0, raKind: RaKind.atCfa, raOffset: 0 };
  // A CFA register other than rsp/rbp works only in the leaf frame; the walker checks that.
  return base;
}

const NONE: Omit<UnwindRow, 'pc'> = {
  cfaKind: CfaKind.none, cfaReg: 0, cfaOffset: 0, rbpKind: RbpKind.same, rbpOffset: 0, raKind: RaKind.unsupported, raOffset: 0,
};

/** A row's rule: everything but its pc. */
export type UnwindRule = Omit<UnwindRow, 'pc'>;

export class UnwindTable {
  /**
   * Rows as two typed arrays, their pcs and the index of their rule among the distinct rules: a
   * library has tens of thousands of rows but a few hundred rules (libcrypto: 24 MB of row objects
   * before, under 1 MB now).
   */
  private readonly pcs: Float64Array;
  private readonly ruleOf: Uint32Array;
  private readonly rules: UnwindRule[] = [];

  constructor(rows: Iterable<UnwindRow>, readonly stats: Omit<UnwindTableStats, 'rows' | 'rules' | 'packedBytes'> = { fdes: 0, badEntries: 0 }) {
    // Rows arrive in order; a later row at one pc wins, and neighbours with one rule merge.
    const pcs: number[] = [];
    const ruleOf: number[] = [];
    const index = new Map<string, number>();
    for (const r of rows) {
      while (pcs.length > 0 && pcs[pcs.length - 1]! >= r.pc) {
        pcs.pop();
        ruleOf.pop();
      }
      const key = `${r.cfaKind},${r.cfaReg},${r.cfaOffset},${r.rbpKind},${r.rbpOffset},${r.raKind},${r.raOffset}`;
      let k = index.get(key);
      if (k === undefined) {
        k = this.rules.length;
        index.set(key, k);
        const { pc: _pc, ...rule } = r;
        this.rules.push(Object.freeze(rule));
      }
      if (ruleOf.length > 0 && ruleOf[ruleOf.length - 1] === k) continue;
      pcs.push(r.pc);
      ruleOf.push(k);
    }
    this.pcs = Float64Array.from(pcs);
    this.ruleOf = Uint32Array.from(ruleOf);
  }

  /** Compiles the FDEs of one or more frame sections (e.g. .eh_frame, then .debug_frame). */
  static fromSections(sections: readonly FrameSection[]): UnwindTable {
    const fdes: Fde[] = [];
    let bad = 0;
    for (const s of sections) {
      const parsed = parseFrames(s);
      fdes.push(...parsed.fdes);
      bad += parsed.errors;
    }
    // When two sections describe the same code, the first section listed wins.
    fdes.sort((a, b) => a.pcBegin - b.pcBegin);
    const stats = { fdes: fdes.length, badEntries: bad };
    function* rows(): Generator<UnwindRow> {
      let covered = -1;
      let first = true;
      for (const fde of fdes) {
        if (fde.pcBegin < covered) continue; // overlapping FDE: keep the first
        let cfi: CfiRow[];
        try {
          const init = executeCfi(fde.cie.initialInstructions, fde.cie.params, { cfa: { kind: 'reg', reg: RSP, offset: 8 }, regs: new Map() }, fde.pcBegin, fde.pcBegin);
          cfi = executeCfi(fde.instructions, fde.cie.params, init.state, fde.pcBegin, fde.pcEnd, init.state).rows;
        } catch {
          stats.badEntries++;
          continue;
        }
        if (!first && covered < fde.pcBegin) yield { pc: covered, ...NONE };
        first = false;
        for (const r of cfi) yield compileRow(r, fde.cie.params.raReg, fde.cie.signal);
        // A NONE row at every FDE end; a following FDE at that pc replaces it.
        yield { pc: fde.pcEnd, ...NONE };
        covered = fde.pcEnd;
      }
    }
    // Rows are compiled as the table takes them: only one FDE's rows are alive at a time.
    return new UnwindTable(rows(), stats);
  }

  get length(): number {
    return this.pcs.length;
  }

  /** The rule in effect at file vaddr `pc`, or undefined when no CFI covers it. */
  find(pc: number): UnwindRule | undefined {
    let lo = 0;
    let hi = this.pcs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.pcs[mid]! <= pc) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const rule = found >= 0 ? this.rules[this.ruleOf[found]!] : undefined;
    return rule && rule.cfaKind !== CfaKind.none ? rule : undefined;
  }

  summary(): UnwindTableStats {
    return { ...this.stats, rows: this.pcs.length, rules: this.rules.length, packedBytes: this.pcs.length * 8 + this.rules.length * 12 };
  }

  *entries(): IterableIterator<UnwindRow> {
    for (let i = 0; i < this.pcs.length; i++) yield { pc: this.pcs[i]!, ...this.rules[this.ruleOf[i]!]! };
  }
}
