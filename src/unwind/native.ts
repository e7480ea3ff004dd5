// The reference native unwinder: walks a captured stack window with our compiled unwind tables. It
// is the specification the in-kernel walker must match, and what replay tests run, so it never
// guesses silently: every walk ends with the reason it stopped.

import { CfaKind, RaKind, RbpKind, type UnwindRule, type UnwindTable } from '../elf/unwind-table.js';
import { UCONTEXT_OFFSETS } from './native/signal-frame.js';

export { loadBias } from './native/load-bias.js';

/** Registers at capture; rip, rsp and rbp are required, the other GPRs help only the leaf frame. */
interface Registers {
  rip: bigint;
  rsp: bigint;
  rbp: bigint;
  [reg: string]: bigint | undefined;
}

interface StackWindow {
  /** Address of bytes[0]: rsp at capture. */
  start: bigint;
  bytes: Buffer;
}

export interface UnwindModule {
  table: UnwindTable;
  /** process address = file vaddr + bias. */
  bias: bigint;
}

export interface ModuleLookup {
  lookup(pc: bigint): UnwindModule | undefined;
}

export type UnwindEnd =
  | 'root'
  | 'no-module'
  | 'no-cfi'
  | 'stack-truncated'
  | 'bad-cfa'
  | 'unsupported-rule'
  | 'max-depth';

export interface UnwindResult {
  /** Program counters, leaf first: rip, then return addresses as found on the stack. */
  pcs: bigint[];
  /**
   * Indices into `pcs` of exact addresses: the leaf, and code interrupted by a signal. The others
   * are return addresses; symbolize those at pc - 1 so a call at a function's end names it.
   */
  exact: number[];
  end: UnwindEnd;
}

/** DWARF register numbers for x86_64 general-purpose registers. */
const DWARF_REGS = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
/** A frame larger than this is damage, not a frame. */
const MAX_FRAME = 1n << 24n;

class Truncated extends Error {}

function reader(stack: StackWindow): (addr: bigint) => bigint {
  const end = stack.start + BigInt(stack.bytes.length);
  return (addr) => {
    if (addr < stack.start || addr + 8n > end) throw new Truncated();
    return stack.bytes.readBigUInt64LE(Number(addr - stack.start));
  };
}

/**
 * Frame-pointer fallback, for a pc with no CFI: trusted only if rbp points into the window above
 * rsp, is 8-aligned, the saved rbp is 0 or higher up the stack (frames nest upwards), and the
 * return address lands in a known module. Anything else and the walk stops honestly. The heuristic
 * can skip the caller of a leaf that has no CFI and no frame pointer (rbp then still belongs to an
 * older frame); it never invents addresses that are not on the stack.
 */
function framePointerStep(
  rbp: bigint | undefined, rsp: bigint, read: (a: bigint) => bigint, modules: ModuleLookup,
): { rip: bigint; rsp: bigint; rbp: bigint } | undefined {
  if (rbp === undefined || rbp < rsp || rbp % 8n !== 0n || rbp - rsp > MAX_FRAME) return undefined;
  try {
    const saved = read(rbp);
    const ra = read(rbp + 8n);
    if (saved !== 0n && saved <= rbp) return undefined;
    // A zero return address over a zero saved rbp is how a frame-pointer chain ends.
    if (ra === 0n) return saved === 0n ? { rip: 0n, rsp: rbp + 16n, rbp: 0n } : undefined;
    if (!modules.lookup(ra - 1n)) return undefined;
    return { rip: ra, rsp: rbp + 16n, rbp: saved };
  } catch {
    return undefined;
  }
}

export function unwind(regs: Registers, stack: StackWindow, modules: ModuleLookup, maxFrames = 256): UnwindResult {
  const read = reader(stack);
  const pcs: bigint[] = [];
  const exact: number[] = [];
  let rip = regs.rip;
  let rsp = regs.rsp;
  let rbp: bigint | undefined = regs.rbp;
  // All GPRs are known in the leaf frame and right after a signal frame; elsewhere only rsp/rbp.
  let gprs: Record<string, bigint | undefined> | undefined = regs;
  // The leaf pc and a pc interrupted by a signal are exact; return addresses point after the call.
  let isExact = true;

  const regValue = (n: number): bigint | undefined => {
    if (n === 7) return rsp;
    if (n === 6) return rbp;
    const name = DWARF_REGS[n];
    return name && gprs ? gprs[name] : undefined;
  };

  for (;;) {
    if (rip === 0n) return { pcs, exact, end: 'root' };
    if (pcs.length >= maxFrames) return { pcs, exact, end: 'max-depth' };
    if (isExact) exact.push(pcs.length);
    pcs.push(rip);
    const at = isExact ? rip : rip - 1n;
    const mod = modules.lookup(at);
    const row: UnwindRule | undefined = mod ? mod.table.find(Number(at - mod.bias)) : undefined;
    try {
      if (!row) {
        const fp = framePointerStep(rbp, rsp, read, modules);
        if (!fp) return { pcs, exact, end: mod ? 'no-cfi' : 'no-module' };
        ({ rip, rsp, rbp } = fp);
        gprs = undefined;
        isExact = false;
        continue;
      }
      if (row.cfaKind === CfaKind.signal) {
        const uc = rsp;
        const restored: Record<string, bigint> = {};
        for (const [name, off] of Object.entries(UCONTEXT_OFFSETS)) restored[name] = read(uc + BigInt(off));
        rip = restored.rip!;
        rsp = restored.rsp!;
        rbp = restored.rbp!;
        gprs = restored;
        isExact = true;
        continue;
      }
      let cfa: bigint | undefined;
      if (row.cfaKind === CfaKind.reg) {
        const base = regValue(row.cfaReg);
        if (base !== undefined) cfa = base + BigInt(row.cfaOffset);
      } else if (row.cfaKind === CfaKind.plt) {
        cfa = rsp + BigInt(row.cfaOffset) + ((rip & 15n) >= BigInt(row.cfaReg) ? 8n : 0n);
      } else if (row.cfaKind === CfaKind.deref) {
        const base = regValue(row.cfaReg);
        if (base !== undefined) cfa = read(base + BigInt(row.cfaOffset));
      }
      if (cfa === undefined) return { pcs, exact, end: 'unsupported-rule' };
      if (cfa <= rsp || cfa - rsp > MAX_FRAME) return { pcs, exact, end: 'bad-cfa' };
      if (row.raKind === RaKind.undefined) return { pcs, exact, end: 'root' };
      if (row.raKind !== RaKind.atCfa) return { pcs, exact, end: 'unsupported-rule' };
      const ra = read(cfa + BigInt(row.raOffset));
      if (row.rbpKind === RbpKind.atCfa) {
        // Compilers describe an epilogue's pops by moving the CFA only: the rule still names the
        // save slot after `pop %rbp` has run (python3.11, GCC 12). A slot below rsp is such a
        // slot: callee-saved registers are saved by push or into the frame, at or above rsp, so
        // rbp already holds the caller's value. Reading it would also leave the copied window.
        const slot = cfa + BigInt(row.rbpOffset);
        if (slot >= rsp) rbp = read(slot);
      } else if (row.rbpKind === RbpKind.unknown) rbp = undefined;
      rsp = cfa;
      rip = ra;
      gprs = undefined;
      isExact = false;
    } catch (e) {
      if (e instanceof Truncated) return { pcs, exact, end: 'stack-truncated' };
      throw e;
    }
  }
}
