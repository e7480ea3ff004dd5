// Symbol names as people read them: C++ (Itanium ABI) and Rust (legacy and v0) manglings undone.
// demangle() never throws and returns its input unchanged for anything it does not recognize or
// cannot read completely: symbol tables are input from files we do not control.

import { demangleItanium } from './demangle-itanium.js';
import { demangleRustLegacy, demangleRustV0 } from './demangle-rust.js';

/** Rust legacy names are Itanium-shaped; the trailing "17h<16 hex>E" hash part tells them apart. */
const RUST_LEGACY_HASH = /17h[0-9a-f]{16}E(\..*)?$/;

export function demangle(symbol: string): string {
  try {
    if (symbol.startsWith('_R')) return demangleRustV0(symbol) ?? symbol;
    if (!symbol.startsWith('_Z')) return symbol;
    if (symbol.startsWith('_ZN') && RUST_LEGACY_HASH.test(symbol)) {
      const rust = demangleRustLegacy(symbol);
      if (rust !== undefined) return rust;
    }
    return demangleItanium(symbol) ?? symbol;
  } catch {
    return symbol;
  }
}
