// Rust symbol names, both manglings rustc has used:
// - legacy: an Itanium-shaped "_ZN…E" path whose last part is "h" + 16 hex digits (a hash we drop),
//   with "$LT$"-style escapes for characters that are not identifier characters;
// - v0 ("_R…"): paths, generic arguments, impls and the common types, printed without crate hashes.
// Anything else (punycode identifiers, const generics beyond integers) fails and keeps the symbol.

class Fail extends Error {}

const MAX_INPUT = 4096;
const MAX_DEPTH = 128;
const MAX_OUTPUT = 16384;

const LEGACY_ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

function legacyPart(part: string): string {
  let s = part.startsWith('_$') ? part.slice(1) : part;
  let out = '';
  while (s.length > 0) {
    if (s.startsWith('..')) {
      out += '::';
      s = s.slice(2);
    } else if (s[0] === '$') {
      const end = s.indexOf('$', 1);
      if (end < 0) throw new Fail();
      const code = s.slice(1, end);
      let ch = LEGACY_ESCAPES[code];
      if (ch === undefined && /^u[0-9a-f]{1,6}$/.test(code)) ch = String.fromCodePoint(parseInt(code.slice(1), 16));
      if (ch === undefined) throw new Fail();
      out += ch;
      s = s.slice(end + 1);
    } else {
      out += s[0];
      s = s.slice(1);
    }
  }
  return out;
}

/** "_ZN3foo3bar17h0123456789abcdefE" → "foo::bar"; undefined when it is not a Rust legacy name. */
export function demangleRustLegacy(sym: string): string | undefined {
  if (sym.length > MAX_INPUT) return undefined;
  const m = /^_?_ZN(.*)E(\..*)?$/.exec(sym);
  if (!m) return undefined;
  const body = m[1]!;
  const parts: string[] = [];
  let i = 0;
  while (i < body.length) {
    const d = /^\d+/.exec(body.slice(i, i + 8));
    if (!d) return undefined;
    const n = Number(d[0]);
    i += d[0].length;
    if (n === 0 || i + n > body.length) return undefined;
    parts.push(body.slice(i, i + n));
    i += n;
  }
  const hash = parts.pop();
  if (!hash || !/^h[0-9a-f]{16}$/.test(hash) || parts.length === 0) return undefined;
  try {
    return parts.map(legacyPart).join('::');
  } catch {
    return undefined;
  }
}

const BASIC: Record<string, string> = {
  a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize',
  l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64',
  y: 'u64', z: '!', p: '_',
};

class V0 {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  peek(): string {
    return this.s[this.pos] ?? '';
  }
  eat(c: string): boolean {
    if (this.s[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }
  enter<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new Fail();
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** <base-62-number>: "_" = 0, digits/letters then "_" = value + 1. */
  base62(): number {
    if (this.eat('_')) return 0;
    let v = 0;
    for (;;) {
      const c = this.s[this.pos++];
      if (c === undefined) throw new Fail();
      if (c === '_') return v + 1;
      const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/.test(c) ? c.charCodeAt(0) - 87 : /[A-Z]/.test(c) ? c.charCodeAt(0) - 29 : -1;
      if (d < 0) throw new Fail();
      v = v * 62 + d;
      if (v > 2 ** 40) throw new Fail();
    }
  }

  disambiguator(): void {
    if (this.eat('s')) this.base62();
  }

  ident(): string {
    this.disambiguator();
    if (this.eat('u')) throw new Fail(); // punycode
    const m = /^\d+/.exec(this.s.slice(this.pos, this.pos + 8));
    if (!m) throw new Fail();
    this.pos += m[0].length;
    const n = Number(m[0]);
    this.eat('_');
    if (this.pos + n > this.s.length) throw new Fail();
    const id = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    return id;
  }

  backref<T>(f: () => T): T {
    const start = this.pos - 1;
    // Back references count from just after "_R", and only ever point backwards.
    const target = this.base62() + 2;
    if (target >= start) throw new Fail();
    const saved = this.pos;
    this.pos = target;
    try {
      return this.enter(f);
    } finally {
      this.pos = saved;
    }
  }

  path(): string {
    return this.enter(() => {
      const c = this.s[this.pos++];
      switch (c) {
        case 'C':
          return this.ident();
        case 'N': {
          const ns = this.s[this.pos++] ?? '';
          const parent = this.path();
          const id = this.ident();
          if (/[A-Z]/.test(ns)) {
            const what = ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns;
            return `${parent}::{${what}${id ? `:${id}` : ''}#0}`;
          }
          return id ? `${parent}::${id}` : parent;
        }
        case 'M': {
          this.disambiguator();
          this.path();
          return `<${this.type()}>`;
        }
        case 'X': {
          this.disambiguator();
          this.path();
          const t = this.type();
          return `<${t} as ${this.path()}>`;
        }
        case 'Y': {
          const t = this.type();
          return `<${t} as ${this.path()}>`;
        }
        case 'I': {
          const p = this.path();
          const args: string[] = [];
          while (!this.eat('E')) {
            if (this.pos >= this.s.length) throw new Fail();
            args.push(this.genericArg());
          }
          return `${p}::<${args.join(', ')}>`;
        }
        case 'B':
          return this.backref(() => this.path());
        default:
          throw new Fail();
      }
    });
  }

  genericArg(): string {
    if (this.eat('L')) {
      this.base62();
      return "'_";
    }
    if (this.eat('K')) return this.constArg();
    return this.type();
  }

  constArg(): string {
    if (this.eat('B')) return this.backref(() => this.constArg());
    if (this.eat('p')) return '_';
    const t = this.s[this.pos++] ?? '';
    const neg = this.eat('n');
    const m = /^[0-9a-f]*_/.exec(this.s.slice(this.pos, this.pos + 40));
    if (!m) throw new Fail();
    this.pos += m[0].length;
    const hex = m[0].slice(0, -1);
    if (t === 'b') return hex === '1' ? 'true' : 'false';
    if (!/[hmyojtasln xi]/.test(t)) throw new Fail();
    const v = hex ? BigInt(`0x${hex}`) : 0n;
    return `${neg ? '-' : ''}${v}`;
  }

  type(): string {
    return this.enter(() => {
      const c = this.peek();
      if (BASIC[c]) {
        this.pos++;
        return BASIC[c]!;
      }
      this.pos++;
      switch (c) {
        case 'R':
        case 'Q': {
          if (this.eat('L')) this.base62();
          return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
        }
        case 'P':
          return `*const ${this.type()}`;
        case 'O':
          return `*mut ${this.type()}`;
        case 'S':
          return `[${this.type()}]`;
        case 'A': {
          const t = this.type();
          return `[${t}; ${this.constArg()}]`;
        }
        case 'T': {
          const items: string[] = [];
          while (!this.eat('E')) {
            if (this.pos >= this.s.length) throw new Fail();
            items.push(this.type());
          }
          return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
        }
        case 'B':
          return this.backref(() => this.type());
        default:
          this.pos--;
          return this.path();
      }
    });
  }
}

/** "_RNvCs123_5crate3foo" → "crate::foo"; undefined when it is not a v0 name we can read. */
export function demangleRustV0(sym: string): string | undefined {
  if (sym.length > MAX_INPUT || !sym.startsWith('_R')) return undefined;
  try {
    const p = new V0(sym);
    p.pos = 2;
    if (/\d/.test(p.peek())) throw new Fail(); // encoding versions other than 0
    const out = p.path();
    // An instantiating crate may follow; a ".llvm.123" suffix too. Neither is printed.
    if (p.pos < sym.length && sym[p.pos] !== '.') p.path();
    return out.length > MAX_OUTPUT ? undefined : out;
  } catch {
    return undefined;
  }
}
