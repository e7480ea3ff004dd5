// Names found once, kept on disk for the next run, keyed by what makes them true: a file's
// build-id for the source lines its DWARF gives an address, the boot for the kernel's own text.
// A short profile's naming is dominated by one-off work — decompressing and indexing libc's
// DWARF, parsing its units with code V8 has not optimized yet, reading all of /proc/kallsyms —
// for a few hundred addresses that are the same on the next run; perf keeps its ~/.debug for the
// same reason.
//
// Off unless a program turns it on (the CLI does; the library and its tests stay pure). Stores
// are files (JSON maps, or a binary table) under $FLUORO_CACHE_DIR, else $XDG_CACHE_HOME/fluoro, else ~/.cache/fluoro;
// FLUORO_CACHE=off turns them off. A file that is missing, too big, damaged or of another shape
// is an empty store; a store that cannot be written is simply not kept.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A store file larger than this is not read. */
const MAX_FILE_BYTES = 16 << 20;
/** Entries per store; past this, new names are not kept. */
const MAX_ENTRIES = 200_000;
const FORMAT = 1;

let root: string | undefined;
const open = new Map<string, NameStore<unknown>>();

/** Turns on persistent stores, under `dir` or the default directory. No-op under FLUORO_CACHE=off. */
export function enableNameStores(dir?: string): void {
  if (process.env.FLUORO_CACHE === 'off') return;
  root = dir ?? process.env.FLUORO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fluoro');
}

/** Turns them off again (tests). Unsaved entries are dropped. */
export function disableNameStores(): void {
  root = undefined;
  open.clear();
}

/**
 * The store `kind/key`, or undefined when stores are off or the key cannot name a file. `valid`
 * checks each value read from disk; a file with any value it rejects is treated as empty.
 */
export function nameStore<V>(kind: string, key: string | undefined, valid: (v: unknown) => v is V): NameStore<V> | undefined {
  const path = storePath(kind, key, 'json');
  if (!path) return undefined;
  let store = open.get(path) as NameStore<V> | undefined;
  if (!store) {
    store = new NameStore<V>(path, valid);
    open.set(path, store as NameStore<unknown>);
  }
  return store;
}

/** The path of a file of the stores, or undefined when stores are off or the key cannot name a file. */
function storePath(kind: string, key: string | undefined, ext: string): string | undefined {
  if (root === undefined || key === undefined || !/^[0-9a-zA-Z_-]{1,128}$/.test(key)) return undefined;
  return join(root, kind, `${key}.${ext}`);
}

/** The bytes of a binary store file (at most `max`), or undefined if stores are off or it is missing or larger. */
export function readStoreFile(kind: string, key: string | undefined, ext: string, max: number): Buffer | undefined {
  const path = storePath(kind, key, ext);
  if (!path) return undefined;
  try {
    if (statSync(path).size > max) return undefined;
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Writes a binary store file whole (readers see the old one or the new one). With `only`, the
 * other files of that kind go (a snapshot per boot need not outlive its boot). Never throws.
 */
export function writeStoreFile(kind: string, key: string | undefined, ext: string, data: Buffer, only = false): void {
  const path = storePath(kind, key, ext);
  if (!path || !atomicWrite(path, data) || !only) return;
  const dir = join(path, '..');
  try {
    for (const name of readdirSync(dir)) if (join(dir, name) !== path) rmSync(join(dir, name), { force: true });
  } catch {
    // pruning is best effort
  }
}

function atomicWrite(path: string, data: string | Buffer): boolean {
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
    return true;
  } catch {
    return false; // a read-only or full disk: the names are found again next time
  }
}

/** Writes every store that learned something. Never throws. */
export function saveNameStores(): void {
  for (const s of open.values()) s.save();
}

export class NameStore<V> {
  private entries: Map<string, V> | undefined;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly valid: (v: unknown) => v is V,
  ) {}

  get(key: string): V | undefined {
    return this.load().get(key);
  }

  has(key: string): boolean {
    return this.load().has(key);
  }

  set(key: string, value: V): void {
    const m = this.load();
    if (m.size >= MAX_ENTRIES || m.get(key) === value) return;
    m.set(key, value);
    this.dirty = true;
  }

  get size(): number {
    return this.load().size;
  }

  save(): void {
    if (!this.dirty || !this.entries) return;
    if (atomicWrite(this.path, JSON.stringify({ format: FORMAT, entries: Object.fromEntries(this.entries) }))) this.dirty = false;
  }

  private load(): Map<string, V> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    try {
      if (statSync(this.path).size > MAX_FILE_BYTES) return this.entries;
      const doc = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
      if (!isObject(doc) || doc.format !== FORMAT || !isObject(doc.entries)) return this.entries;
      const entries = Object.entries(doc.entries);
      if (entries.length > MAX_ENTRIES || !entries.every(([, v]) => this.valid(v))) return this.entries;
      this.entries = new Map(entries as [string, V][]);
    } catch {
      // missing or damaged: start empty
    }
    return this.entries;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
