// Names for addresses in native code: symbols of the file itself merged with those of its separate
// debug file, cached per file identity. Addresses here are file vaddrs; callers subtract the load
// bias. C++ names are returned as the symbol table spells them (mangled).

import { IdentityCache } from '../elf/cache.js';
import { ElfFile } from '../elf/elf.js';
import { readSymbolSections, SymbolTable, type FuncSymbol, type SymbolSection } from '../elf/symbols.js';
import { findDebugFile, type DebugSearchOptions } from './debug-file.js';
import { nameStore, readStoreFile, writeStoreFile, type NameStore } from './name-store.js';

/** The largest kept symbol table read back. */
const MAX_SNAPSHOT_BYTES = 256 << 20;
/** How far past e_entry an unnamed _start reaches (glibc's x86-64 _start is 38 bytes). */
const START_SPAN = 64;

export class NativeSymbolizer {
  /** Path of the debug file whose symbols were merged in, if one was found. */
  readonly debugFile: string | undefined;
  private readonly debug: ElfFile | undefined;
  private table: SymbolTable | undefined;
  /** The file's symbol table bytes until they are parsed (the debug file's path stays valid). */
  private raw: SymbolSection[] | undefined;
  /** Names earlier runs found in this same file (with the same debug file or none), when stores are on. */
  private readonly store: NameStore<string | null> | undefined;
  private readonly storeKey: string | undefined;

  constructor(readonly elf: ElfFile, opts: DebugSearchOptions = {}) {
    // A file with .symtab is not stripped: a debug file would add nothing we use here.
    const hasSymtab = elf.section('.symtab') !== undefined;
    this.debug = hasSymtab ? undefined : findDebugFile(elf, opts);
    this.debugFile = this.debug?.path;
    // A debug file installed later names more: its names are kept apart from those found without.
    const id = elf.buildId;
    this.storeKey = id && (this.debug ? `${id}_debug` : id);
    this.store = nameStore('symbols', this.storeKey, isName);
    this.raw = readSymbolSections(elf);
  }

  /**
   * The symbols, parsed on first use: a process maps dozens of libraries (nginx-extras, 40) whose
   * code may never show up in a profile. Their bytes are read up front (the constructor), because
   * a file reached through /proc/PID/map_files cannot be opened once the process has exited.
   */
  /** Whether the symbol table has been read (rather than every name coming from the store). */
  get symbolsRead(): boolean {
    return this.table !== undefined;
  }

  get symbols(): SymbolTable {
    this.table ??= this.readTable();
    return this.table;
  }

  /** The table as an earlier run kept it (name stores on), else read from the file(s) and kept. */
  private readTable(): SymbolTable {
    const kept = readStoreFile('symtab', this.storeKey, 'bin', MAX_SNAPSHOT_BYTES);
    const fromStore = kept ? SymbolTable.fromSnapshot(kept) : undefined;
    if (fromStore) return fromStore;
    let table: SymbolTable;
    try {
      table = SymbolTable.fromSections([...(this.raw ?? []), ...(this.debug ? readSymbolSections(this.debug) : [])]);
    } catch {
      table = SymbolTable.fromSections(this.raw ?? []); // the debug file went away: the file's own symbols
    }
    this.raw = undefined;
    if (this.store) writeStoreFile('symtab', this.storeKey, 'bin', table.snapshot());
    return table;
  }

  /**
   * The function containing file vaddr `vaddr`. A stripped executable still says where it starts
   * (e_entry): code there that no symbol covers is _start, the root of every stack.
   */
  lookup(vaddr: number): FuncSymbol | undefined {
    const sym = this.symbols.lookup(vaddr);
    if (sym) return sym;
    const entry = this.elf.type === 'exec' || this.elf.type === 'dyn' ? this.elf.entry : 0;
    if (entry !== 0 && vaddr >= entry && vaddr < entry + START_SPAN) return { name: '_start', start: entry, size: START_SPAN };
    return undefined;
  }

  /** The function name at `vaddr`, or undefined. */
  name(vaddr: number): string | undefined {
    if (!this.store) return this.lookup(vaddr)?.name;
    const key = vaddr.toString(16);
    const stored = this.store.get(key);
    if (stored !== undefined) return stored ?? undefined;
    const name = this.lookup(vaddr)?.name;
    this.store.set(key, name ?? null);
    return name;
  }
}

function isName(v: unknown): v is string | null {
  return v === null || (typeof v === 'string' && v.length <= 4096);
}

const cache = new IdentityCache<NativeSymbolizer>(128);

/** The symbolizer for the file at `path`, cached by file identity. Throws ElfError for bad files. */
export function symbolizerFor(path: string, opts: DebugSearchOptions = {}): NativeSymbolizer {
  if (opts.debugRoot) return new NativeSymbolizer(ElfFile.open(path), opts);
  return cache.get(path, (p) => new NativeSymbolizer(ElfFile.open(p), opts));
}
