// A small cache of things derived from files (parsed headers, symbol tables, unwind tables), keyed
// by file identity so a replaced binary is never confused with the one it replaced. Bounded: the
// least recently used entry leaves first.

import { statSync } from 'node:fs';
import { identityKey } from './file-reader.js';

export class IdentityCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 64) {}

  /** The cached value for the file at `path` as it is now, computing it with `make` if needed. */
  get(path: string, make: (path: string) => T): T {
    let key: string;
    try {
      const st = statSync(path);
      key = identityKey({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      return make(path); // let `make` report the problem in its own words
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make(path);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
