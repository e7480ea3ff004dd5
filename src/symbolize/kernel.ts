// Kernel addresses to function names, from /proc/kallsyms. The file lists every kernel and module
// symbol (about 120k lines); it is read once, sorted, and looked up by binary search. Without root
// (or with kernel.kptr_restrict=2) the kernel prints every address as zero: that is reported as
// "unavailable", never as a table in which every address resolves to the first symbol.

import { readFileSync } from 'node:fs';
import { NotSupportedError } from '../errors.js';
import { readBounded } from '../proc/procfs.js';

export interface KernelSymbol {
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
/** Code symbols: text (t/T) and weak (w/W). Data symbols would claim code addresses that follow them. */
const CODE_TYPES = new Set(['t', 'T', 'w', 'W']);
/** Markers of the end of a text region: an address that lands on them is past the last function. */
const END_MARKERS = new Set(['_etext', '__entry_text_end', '__irqentry_text_end']);

export class KernelSymbols {
  private constructor(
    private readonly starts: BigUint64Array,
    private readonly names: readonly string[],
    private readonly modules: readonly (string | undefined)[],
  ) {}

  /** Number of distinct symbol addresses held. */
  get size(): number {
    return this.starts.length;
  }

  /** Parses the text of /proc/kallsyms; throws KernelSymbolsUnavailableError when addresses are hidden. */
  static parse(text: string): KernelSymbols {
    const rows: { addr: bigint; name: string; module: string | undefined; global: boolean }[] = [];
    let nonZero = false;
    let total = 0;
    let pos = 0;
    while (pos < text.length) {
      let eol = text.indexOf('\n', pos);
      if (eol < 0) eol = text.length;
      const line = text.slice(pos, eol);
      pos = eol + 1;
      // "ffffffff821fb620 T schedule" or "ffffffffc0201000 t name\t[module]"
      const sp1 = line.indexOf(' ');
      const sp2 = line.indexOf(' ', sp1 + 1);
      if (sp1 <= 0 || sp2 !== sp1 + 2) continue;
      total++;
      const hex = line.slice(0, sp1);
      if (!/^[0-9a-f]+$/.test(hex)) continue;
      const addr = BigInt('0x' + hex);
      if (addr !== 0n) nonZero = true;
      const type = line[sp1 + 1]!;
      if (!CODE_TYPES.has(type)) continue;
      const tab = line.indexOf('\t', sp2 + 1);
      const name = tab < 0 ? line.slice(sp2 + 1) : line.slice(sp2 + 1, tab);
      const modMatch = tab < 0 ? null : /^\[(.*)\]$/.exec(line.slice(tab + 1).trim());
      rows.push({ addr, name, module: modMatch ? modMatch[1] : undefined, global: type === 'T' || type === 'W' });
    }
    if (total === 0) throw new KernelSymbolsUnavailableError(`${KALLSYMS} is empty`);
    if (!nonZero) {
      throw new KernelSymbolsUnavailableError(
        `${KALLSYMS} shows only zero addresses (kernel.kptr_restrict=${kptrRestrict()}); ` +
          'run as root, or set kernel.kptr_restrict=0',
      );
    }
    rows.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    // Several names often share an address (_text, _stext, ...): keep one, a global one if any.
    const kept: typeof rows = [];
    for (const r of rows) {
      const last = kept[kept.length - 1];
      if (last && last.addr === r.addr) {
        if (!last.global && r.global) kept[kept.length - 1] = r;
        continue;
      }
      kept.push(r);
    }
    return new KernelSymbols(
      BigUint64Array.from(kept, (r) => r.addr),
      kept.map((r) => r.name),
      kept.map((r) => r.module),
    );
  }

  /**
   * The symbol that contains addr: the last one starting at or below it. Addresses below the first
   * symbol or on an end-of-text marker resolve to nothing. (Without symbol sizes, an address in a
   * gap after a function is attributed to that function, as every kallsyms reader does.)
   */
  lookup(addr: bigint): KernelSymbol | undefined {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const name = this.names[found]!;
    if (END_MARKERS.has(name)) return undefined;
    const address = s[found]!;
    const sym: KernelSymbol = { name, address, offset: addr - address };
    const module = this.modules[found];
    if (module !== undefined) sym.module = module;
    return sym;
  }

  /** Just the function name at addr, for frame naming; undefined when addr is not in kernel text. */
  name(addr: bigint): string | undefined {
    return this.lookup(addr)?.name;
  }
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
