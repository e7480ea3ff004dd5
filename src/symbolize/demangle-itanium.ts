// Itanium C++ ABI demangling (the scheme GCC and Clang use on Linux): "_Z…" names → the text
// binutils' c++filt prints for them. The parser builds a small tree (substitutions and template
// parameters refer back to parts of it) and a printer turns that into text the way c++filt does:
// "char const*", "> >", "(anonymous namespace)", clone suffixes in brackets. Anything the parser does
// not understand makes the whole name fail, and callers keep the mangled text.

import { BUILTIN, BUILTIN_D, LITERAL_SUFFIX, OPS, STD_SUBS } from './demangle-itanium-codes.js';
import { Fail, MAX_OUTPUT, Printer, type Node, type Scope } from './demangle-itanium-print.js';

const MAX_DEPTH = 256;

const MAX_INPUT = 4096;

const name = (s: string): Node => ({ k: 'name', s });

class Parser {
  pos = 0;
  depth = 0;
  subs: Node[] = [];
  scope: Scope = { args: undefined };
  /** Template args inside template args do not define the encoding's template parameters. */
  argDepth = 0;
  /** True while parsing an encoding's own name, whose last template args are its parameters. */
  defining = false;
  /** The last source name read outside template args: what a constructor is called. */
  lastName = '';

  constructor(readonly s: string) {}

  peek(o = 0): string {
    return this.s[this.pos + o] ?? '';
  }
  eat(c: string): boolean {
    if (this.s.startsWith(c, this.pos)) {
      this.pos += c.length;
      return true;
    }
    return false;
  }
  need(c: string): void {
    if (!this.eat(c)) throw new Fail();
  }
  enter(): void {
    if (++this.depth > MAX_DEPTH) throw new Fail();
  }

  number(): number {
    const neg = this.eat('n');
    const m = /^\d+/.exec(this.s.slice(this.pos, this.pos + 12));
    if (!m) throw new Fail();
    this.pos += m[0].length;
    return neg ? -Number(m[0]) : Number(m[0]);
  }

  /** seq-id "_" (S_ = 0, S0_ = 1, SA_ = 11) for substitutions and T_. */
  seqId(): number {
    if (this.eat('_')) return 0;
    const m = /^[0-9A-Z]+/.exec(this.s.slice(this.pos, this.pos + 8));
    if (!m) throw new Fail();
    this.pos += m[0].length;
    this.need('_');
    return parseInt(m[0], 36) + 1;
  }

  /** "_" <digit> | "__" <number> "_": a discriminator, skipped. */
  discriminator(): void {
    if (this.peek() !== '_') return;
    if (/\d/.test(this.peek(1))) this.pos += 2;
    else if (this.peek(1) === '_' && /\d/.test(this.peek(2))) {
      this.pos += 2;
      this.number();
      this.need('_');
    }
  }

  sourceName(): Node {
    const n = this.number();
    if (n <= 0 || this.pos + n > this.s.length) throw new Fail();
    const id = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    this.lastName = id;
    return name(id.startsWith('_GLOBAL_') && /^_GLOBAL_[._$]N/.test(id) ? '(anonymous namespace)' : id);
  }

  encoding(): Node {
    this.enter();
    const outer = this.scope;
    this.scope = { args: undefined };
    try {
      const c = this.peek();
      if (c === 'T' || (c === 'G' && /[VRT]/.test(this.peek(1)))) return this.special();
      const saved = this.defining;
      this.defining = true;
      let n: Node;
      try {
        n = this.name();
      } finally {
        this.defining = saved;
      }
      const c2 = this.peek();
      if (c2 === '' || c2 === 'E' || c2 === '.') return n;
      const cv = this.takeCv(n);
      const hasRet = this.isTemplate(n.k === 'local' ? n.name : n) && !this.isCtorOrConv(n);
      const ret = hasRet ? this.type() : undefined;
      const params = this.bareParams();
      return { k: 'enc', name: cv.name, ret, params, cv: cv.cv, ref: cv.ref };
    } finally {
      this.scope = outer;
      this.depth--;
    }
  }

  /** cv/ref-qualifiers of a member function travel with its nested name; lift them off. */
  private takeCv(n: Node): { name: Node; cv: string; ref: string } {
    if (n.k === 'local' && n.name.k === 'suffix') {
      const inner = this.takeCv(n.name);
      return { ...inner, name: { k: 'local', enc: n.enc, name: inner.name } };
    }
    if (n.k === 'suffix' && n.text.startsWith('\0')) {
      const [cv, ref] = n.text.slice(1).split('\0') as [string, string];
      return { name: n.inner, cv, ref };
    }
    return { name: n, cv: '', ref: '' };
  }

  private isTemplate(n: Node): boolean {
    if (n.k === 'suffix' && n.text.startsWith('\0')) return this.isTemplate(n.inner);
    if (n.k === 'tmpl') return true;
    return false;
  }

  private isCtorOrConv(n: Node): boolean {
    let x: Node = n;
    if (x.k === 'local') x = x.name;
    if (x.k === 'suffix' && x.text.startsWith('\0')) x = x.inner;
    if (x.k === 'tmpl') x = x.name;
    if (x.k === 'nested') x = x.name;
    if (x.k === 'abi') x = x.inner;
    return x.k === 'conv' || (x.k === 'name' && (x.s.startsWith('\x01')));
  }

  bareParams(): Node[] {
    const params: Node[] = [];
    while (this.pos < this.s.length && this.peek() !== 'E' && this.peek() !== '.') params.push(this.type());
    if (params.length === 0) throw new Fail();
    if (params.length === 1 && params[0]!.k === 'name' && params[0]!.s === 'void') return [];
    return params;
  }

  special(): Node {
    if (this.eat('TV')) return { k: 'prefix', text: 'vtable for ', inner: this.type() };
    if (this.eat('TT')) return { k: 'prefix', text: 'VTT for ', inner: this.type() };
    if (this.eat('TI')) return { k: 'prefix', text: 'typeinfo for ', inner: this.type() };
    if (this.eat('TS')) return { k: 'prefix', text: 'typeinfo name for ', inner: this.type() };
    if (this.eat('TH')) return { k: 'prefix', text: 'TLS init function for ', inner: this.name() };
    if (this.eat('TW')) return { k: 'prefix', text: 'TLS wrapper function for ', inner: this.name() };
    if (this.eat('Th')) {
      this.number();
      this.need('_');
      return { k: 'prefix', text: 'non-virtual thunk to ', inner: this.encoding() };
    }
    if (this.eat('Tv')) {
      this.number();
      this.need('_');
      this.number();
      this.need('_');
      return { k: 'prefix', text: 'virtual thunk to ', inner: this.encoding() };
    }
    if (this.eat('Tc')) {
      for (let i = 0; i < 2; i++) this.callOffset();
      return { k: 'prefix', text: 'covariant return thunk to ', inner: this.encoding() };
    }
    if (this.eat('TC')) {
      const derived = this.type();
      this.number();
      this.need('_');
      const base = this.type();
      return { k: 'prefix', text: 'construction vtable for ', inner: { k: 'ctorvt', a: base, b: derived } };
    }
    if (this.eat('GV')) return { k: 'prefix', text: 'guard variable for ', inner: this.name() };
    if (this.eat('GR')) {
      const n = this.name();
      let idx = 0;
      if (!this.eat('_')) idx = this.seqId() ;
      return { k: 'prefix', text: `reference temporary #${idx} for `, inner: n };
    }
    if (this.eat('GTt')) return { k: 'prefix', text: 'transaction clone for ', inner: this.encoding() };
    throw new Fail();
  }

  private callOffset(): void {
    if (this.eat('h')) {
      this.number();
      this.need('_');
    } else if (this.eat('v')) {
      this.number();
      this.need('_');
      this.number();
      this.need('_');
    } else throw new Fail();
  }

  name(): Node {
    this.enter();
    try {
      const c = this.peek();
      if (c === 'N') return this.nestedName();
      if (c === 'Z') return this.localName();
      let n: Node;
      if (c === 'S' && this.peek(1) !== 't') {
        n = this.substitution();
        if (this.peek() !== 'I') throw new Fail();
      } else {
        const std = this.eat('St');
        n = this.unqualifiedName(undefined);
        if (std) n = { k: 'nested', prefix: name('std'), name: n };
        if (this.peek() === 'I') this.subs.push(n);
      }
      if (this.peek() === 'I') n = { k: 'tmpl', name: n, args: this.templateArgs(true) };
      return n;
    } finally {
      this.depth--;
    }
  }

  localName(): Node {
    this.need('Z');
    let enc = this.encoding();
    this.need('E');
    // c++filt leaves out the return type of the function a local entity lives in.
    if (enc.k === 'enc') enc = { ...enc, ret: undefined };
    if (this.eat('s')) {
      this.discriminator();
      return { k: 'local', enc, name: name('string literal') };
    }
    if (this.eat('d')) {
      const num = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      const inner = this.name();
      return { k: 'local', enc, name: { k: 'nested', prefix: name(`{default arg#${num}}`), name: inner } };
    }
    const n = this.name();
    this.discriminator();
    return { k: 'local', enc, name: n };
  }

  nestedName(): Node {
    this.need('N');
    let cv = '';
    if (this.eat('r')) cv += ' restrict';
    if (this.eat('V')) cv += ' volatile';
    if (this.eat('K')) cv += ' const';
    let ref = '';
    if (this.eat('R')) ref = ' &';
    else if (this.eat('O')) ref = ' &&';
    let cur: Node | undefined;
    for (;;) {
      if (this.pos >= this.s.length) throw new Fail();
      if (this.eat('E')) break;
      const c = this.peek();
      if (c === 'S' && this.peek(1) !== 't') {
        if (cur) throw new Fail();
        cur = this.substitution();
        continue;
      }
      if (c === 'I') {
        if (!cur) throw new Fail();
        cur = { k: 'tmpl', name: cur, args: this.templateArgs(true) };
      } else if (c === 'T') {
        if (cur) throw new Fail();
        cur = this.templateParam();
      } else if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) {
        if (cur) throw new Fail();
        cur = this.type();
        continue;
      } else if (c === 'S' && this.peek(1) === 't') {
        if (cur) throw new Fail();
        this.pos += 2;
        cur = name('std');
        continue;
      } else if (c === 'M') {
        this.pos++; // data-member-prefix: the closure type's scope, nothing to print
        continue;
      } else {
        const u = this.unqualifiedName(cur);
        cur = cur ? { k: 'nested', prefix: cur, name: u } : u;
      }
      if (this.peek() !== 'E') this.subs.push(cur);
    }
    if (!cur) throw new Fail();
    if (cv || ref) return { k: 'suffix', inner: cur, text: `\0${cv}\0${ref}` };
    return cur;
  }

  private ctorName(prefix: Node | undefined): string {
    if (!prefix || !this.lastName) throw new Fail();
    return this.lastName;
  }

  unqualifiedName(prefix: Node | undefined): Node {
    const c = this.peek();
    let n: Node;
    if (/\d/.test(c)) n = this.sourceName();
    else if (c === 'C' && /[1-5I]/.test(this.peek(1))) {
      this.pos++;
      if (this.eat('I')) {
        this.pos++;
        this.type();
      } else this.pos++;
      n = name(`\x01${this.ctorName(prefix)}`);
    } else if (c === 'D' && /[0-5]/.test(this.peek(1))) {
      this.pos += 2;
      n = name(`\x01~${this.ctorName(prefix)}`);
    } else if (c === 'U') {
      n = this.unnamedType();
    } else if (c === 'L') {
      this.pos++;
      n = this.sourceName();
      this.discriminator();
    } else if (/[a-z]/.test(c)) n = this.operatorName();
    else throw new Fail();
    while (this.eat('B')) {
      const last = this.lastName;
      const tag = this.sourceName();
      this.lastName = last;
      n = { k: 'abi', inner: n, tag: tag.k === 'name' ? tag.s : '' };
    }
    return n;
  }

  unnamedType(): Node {
    if (this.eat('Ut')) {
      const num = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      return name(`{unnamed type#${num}}`);
    }
    if (this.eat('Ul')) {
      const params = this.bareParams();
      this.need('E');
      const num = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      return { k: 'lambda', params, num };
    }
    throw new Fail();
  }

  operatorName(): Node {
    const code = this.s.slice(this.pos, this.pos + 2);
    if (code === 'cv') {
      this.pos += 2;
      return { k: 'conv', type: this.type() };
    }
    if (code === 'li') {
      this.pos += 2;
      const id = this.sourceName();
      return name(`operator"" ${id.k === 'name' ? id.s : ''}`);
    }
    if (code[0] === 'v' && /\d/.test(code[1] ?? '')) {
      this.pos += 2;
      const id = this.sourceName();
      return name(`operator ${id.k === 'name' ? id.s : ''}`);
    }
    const op = OPS[code];
    if (!op || code === 'st' || code === 'sz' || code === 'at' || code === 'az' || code === 'dt' || code === 'ds' || code === 'tw') throw new Fail();
    this.pos += 2;
    return name(/^[a-z]/.test(op[0]) ? `operator ${op[0]}` : `operator${op[0]}`);
  }

  substitution(): Node {
    this.need('S');
    const c = this.peek();
    const std = STD_SUBS[c];
    if (std && c !== 't') {
      this.pos++;
      // c++filt spells these out in full; constructors of "Ss" are still called basic_string.
      if (std[1]) this.lastName = std[1];
      return name(std[0]);
    }
    const id = this.seqId();
    const sub = this.subs[id];
    if (!sub) throw new Fail();
    return sub;
  }

  templateParam(): Node {
    this.need('T');
    const idx = this.seqId();
    return { k: 'tparam', idx, scope: this.scope };
  }

  templateArgs(defining: boolean): Node[] {
    this.need('I');
    this.enter();
    const top = defining && this.defining && this.argDepth === 0;
    const lastName = this.lastName;
    this.argDepth++;
    const args: Node[] = [];
    try {
      while (!this.eat('E')) {
        if (this.pos >= this.s.length || args.length > 256) throw new Fail();
        args.push(this.templateArg());
      }
    } finally {
      this.lastName = lastName;
      this.argDepth--;
      this.depth--;
    }
    if (top) this.scope.args = args;
    return args;
  }

  templateArg(): Node {
    const c = this.peek();
    if (c === 'L') return this.literal();
    if (c === 'X') {
      this.pos++;
      const e = this.expr();
      this.need('E');
      return e;
    }
    if (c === 'J') {
      this.pos++;
      const items: Node[] = [];
      while (!this.eat('E')) {
        if (this.pos >= this.s.length) throw new Fail();
        items.push(this.templateArg());
      }
      return { k: 'pack', items };
    }
    return this.type();
  }

  literal(): Node {
    this.need('L');
    if (this.eat('_Z')) {
      const enc = this.encoding();
      this.need('E');
      return enc;
    }
    if (this.eat('Z')) {
      const enc = this.encoding();
      this.need('E');
      return enc;
    }
    const typeStart = this.pos;
    const t = this.type();
    const code = this.s.slice(typeStart, this.pos);
    const neg = this.eat('n');
    const m = /^[0-9a-f]*/.exec(this.s.slice(this.pos))!;
    this.pos += m[0].length;
    this.need('E');
    const v = (neg ? '-' : '') + m[0];
    if (code === 'b' && (m[0] === '0' || m[0] === '1') && !neg) return name(m[0] === '1' ? 'true' : 'false');
    const suffix = LITERAL_SUFFIX[code];
    if (suffix !== undefined) return name(v + suffix);
    return { k: 'lit', type: t, value: v };
  }

  type(): Node {
    this.enter();
    const saved = this.defining;
    this.defining = false;
    try {
      return this.typeInner();
    } finally {
      this.defining = saved;
      this.depth--;
    }
  }

  private typeInner(): Node {
    const c = this.peek();
    const b = BUILTIN[c];
    if (b) {
      this.pos++;
      return name(b);
    }
    let t: Node;
    switch (c) {
      case 'u': {
        this.pos++;
        t = this.sourceName();
        if (this.peek() === 'I') t = { k: 'tmpl', name: t, args: this.templateArgs(false) };
        break;
      }
      case 'D': {
        const d = this.peek(1);
        if (BUILTIN_D[d]) {
          this.pos += 2;
          return name(BUILTIN_D[d]!);
        }
        if (d === 'F') {
          this.pos += 2;
          const n = this.number();
          const x = this.eat('x') ? 'x' : '';
          this.need('_');
          return name(`_Float${n}${x}`);
        }
        if (d === 'p') {
          this.pos += 2;
          t = { k: 'expand', inner: this.type() };
          break;
        }
        if (d === 't' || d === 'T') {
          this.pos += 2;
          const e = this.expr();
          this.need('E');
          t = { k: 'expr', simple: true, text: (p) => `decltype (${p.str(e)})` };
          break;
        }
        if (d === 'v') {
          this.pos += 2;
          if (this.peek() === '_') throw new Fail(); // vector size given by an expression
          const dim = String(this.number());
          this.need('_');
          t = { k: 'vector', inner: this.type(), dim };
          break;
        }
        if (d === 'x' || d === 'o' || d === 'O' || d === 'w') throw new Fail();
        throw new Fail();
      }
      case 'r':
      case 'V':
      case 'K': {
        let q = '';
        // In the mangling they come r, V, K; printed as "const volatile restrict" reversed order.
        const qs: string[] = [];
        while (/[rVK]/.test(this.peek())) {
          const ch = this.s[this.pos++]!;
          qs.push(ch === 'r' ? 'restrict' : ch === 'V' ? 'volatile' : 'const');
        }
        q = qs.reverse().join(' ');
        const inner = this.type();
        if (inner.k === 'func') {
          // A member function's cv-qualified type replaces its plain type as a candidate.
          if (this.subs[this.subs.length - 1] === inner) this.subs.pop();
          t = { ...inner, cv: `${inner.cv} ${q}` };
        }
        else t = { k: 'qual', inner, q };
        break;
      }
      case 'P':
      case 'R':
      case 'O': {
        this.pos++;
        const inner = this.type();
        t = { k: 'ptr', inner, op: c === 'P' ? '*' : c === 'R' ? '&' : '&&' };
        break;
      }
      case 'F': {
        this.pos++;
        this.eat('Y');
        const ret = this.type();
        const params: Node[] = [];
        while (!this.eat('E')) {
          if (this.pos >= this.s.length) throw new Fail();
          if (this.peek() === 'R' && this.peek(1) === 'E') {
            this.pos += 2;
            t = { k: 'func', ret, params: voidless(params), cv: '', ref: ' &' };
            this.subs.push(t);
            return t;
          }
          if (this.peek() === 'O' && this.peek(1) === 'E') {
            this.pos += 2;
            t = { k: 'func', ret, params: voidless(params), cv: '', ref: ' &&' };
            this.subs.push(t);
            return t;
          }
          params.push(this.type());
        }
        t = { k: 'func', ret, params: voidless(params), cv: '', ref: '' };
        break;
      }
      case 'A': {
        this.pos++;
        let dim = '';
        if (/\d/.test(this.peek())) dim = String(this.number());
        else if (this.peek() !== '_') {
          const e = this.expr();
          this.need('_');
          const inner = this.type();
          t = { k: 'array', inner, dim: '' };
          (t as { exprDim?: Node }).exprDim = e;
          break;
        }
        this.need('_');
        t = { k: 'array', inner: this.type(), dim };
        break;
      }
      case 'M': {
        this.pos++;
        const cls = this.type();
        const member = this.type();
        t = { k: 'ptrmem', cls, member };
        break;
      }
      case 'T': {
        t = this.templateParam();
        if (this.peek() === 'I') {
          this.subs.push(t);
          t = { k: 'tmpl', name: t, args: this.templateArgs(false) };
        }
        break;
      }
      case 'S': {
        if (this.peek(1) === 't') {
          t = this.name();
          break;
        }
        t = this.substitution();
        if (this.peek() !== 'I') return t;
        t = { k: 'tmpl', name: t, args: this.templateArgs(false) };
        break;
      }
      case 'N':
      case 'Z':
        t = this.name();
        break;
      default:
        if (/\d/.test(c)) {
          t = this.name();
          break;
        }
        throw new Fail();
    }
    this.subs.push(t);
    return t;
  }

  // Expressions (template arguments and decltype): the common forms only.
  expr(): Node {
    this.enter();
    try {
      return this.exprInner();
    } finally {
      this.depth--;
    }
  }

  private exprInner(): Node {
    const c = this.peek();
    if (c === 'L') return this.literal();
    if (c === 'T') return this.templateParam();
    if (this.eat('fp')) {
      while (/[rVK]/.test(this.peek())) this.pos++; // cv-qualifiers of the parameter: not printed
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      return { k: 'expr', simple: true, text: () => `{parm#${n}}` };
    }
    if (this.eat('sr')) return this.unresolvedName();
    if (this.eat('sZ')) {
      const e = this.peek() === 'T' ? this.templateParam() : this.expr();
      return { k: 'expr', simple: false, text: (p) => `sizeof...(${p.str(e)})` };
    }
    if (this.eat('sp')) return { k: 'expand', inner: this.expr() };
    if (this.eat('st') || this.eat('at')) {
      const op = this.s.slice(this.pos - 2, this.pos) === 'st' ? 'sizeof' : 'alignof';
      const ty = this.type();
      return { k: 'expr', simple: false, text: (p) => `${op} (${p.str(ty)})` };
    }
    if (this.eat('cv')) {
      const ty = this.type();
      let args: Node[];
      if (this.eat('_')) {
        args = [];
        while (!this.eat('E')) args.push(this.expr());
      } else args = [this.expr()];
      return { k: 'expr', simple: false, text: (p) => `(${p.str(ty)})${args.map((a) => p.sub(a)).join(', ')}` };
    }
    if (this.eat('cl')) {
      const fn = this.expr();
      const args: Node[] = [];
      while (!this.eat('E')) {
        if (this.pos >= this.s.length) throw new Fail();
        args.push(this.expr());
      }
      return { k: 'expr', simple: false, text: (p) => `${p.sub(fn)}(${args.map((a) => p.str(a)).join(', ')})` };
    }
    if (/\d/.test(c)) {
      const n = this.sourceName();
      if (this.peek() === 'I') return { k: 'tmpl', name: n, args: this.templateArgs(false) };
      return n;
    }
    const code = this.s.slice(this.pos, this.pos + 2);
    const op = OPS[code];
    if (!op || code === 'nw' || code === 'na') throw new Fail();
    this.pos += 2;
    const text = op[0];
    if (op[1] === 1) {
      const a = this.expr();
      // The address of a plain function is printed as its name alone: "&ns::f".
      if (code === 'ad' && a.k === 'enc' && !a.ret && (a.name.k === 'name' || a.name.k === 'nested')) {
        const fn = a.name;
        return { k: 'expr', simple: false, text: (p) => `&${p.str(fn)}` };
      }
      return { k: 'expr', simple: false, text: (p) => `${text}${p.sub(a)}` };
    }
    if (op[1] === 2) {
      const a = this.expr();
      const b = code === 'dt' || code === 'pt' ? this.unresolvedOrExpr() : this.expr();
      return {
        k: 'expr', simple: false,
        text: (p) => {
          const s = `${p.sub(a)}${text}${p.sub(b)}`;
          return text === '>' ? `(${s})` : s;
        },
      };
    }
    const a = this.expr();
    const b = this.expr();
    const d = this.expr();
    return { k: 'expr', simple: false, text: (p) => `${p.sub(a)}?${p.sub(b)} : ${p.sub(d)}` };
  }

  private unresolvedOrExpr(): Node {
    return /\d/.test(this.peek()) ? this.sourceName() : this.expr();
  }

  private unresolvedName(): Node {
    // sr <unresolved-type> <base-unresolved-name>, or srN … E, simplified to the common forms.
    let qual: Node;
    if (/\d/.test(this.peek())) {
      // <unresolved-qualifier-level>+ E
      qual = this.simpleId();
      while (!this.eat('E')) {
        if (this.pos >= this.s.length) throw new Fail();
        qual = { k: 'nested', prefix: qual, name: this.simpleId() };
      }
    } else qual = this.type();
    const base = /\d/.test(this.peek()) ? this.sourceName() : this.operatorName();
    const n: Node = { k: 'nested', prefix: qual, name: base };
    return this.peek() === 'I' ? { k: 'tmpl', name: n, args: this.templateArgs(false) } : n;
  }

  private simpleId(): Node {
    const n = this.sourceName();
    return this.peek() === 'I' ? { k: 'tmpl', name: n, args: this.templateArgs(false) } : n;
  }
}

function voidless(params: Node[]): Node[] {
  return params.length === 1 && params[0]!.k === 'name' && params[0]!.s === 'void' ? [] : params;
}

/** GCC's clone suffixes (".constprop.0", ".isra.0", ".cold", ".part.1") after the encoding. */
function cloneSuffixes(rest: string): string | undefined {
  let out = '';
  const re = /^\.[a-z_]+(?:\.\d+)*|^(?:\.\d+)+/;
  let r = rest;
  while (r.length > 0) {
    const m = re.exec(r);
    if (!m) return undefined;
    out += ` [clone ${m[0]}]`;
    r = r.slice(m[0].length);
  }
  return out;
}

/** Demangles an Itanium C++ symbol ("_Z…"); undefined when it is not one we can read. */
export function demangleItanium(sym: string): string | undefined {
  if (sym.length > MAX_INPUT || !sym.startsWith('_Z')) return undefined;
  try {
    const p = new Parser(sym);
    p.pos = 2;
    const enc = p.encoding();
    const suffix = cloneSuffixes(sym.slice(p.pos));
    if (suffix === undefined) return undefined;
    const out = new Printer().str(enc) + suffix;
    return out.length > MAX_OUTPUT ? undefined : out;
  } catch (e) {
    if (e instanceof Fail || e instanceof RangeError) return undefined;
    throw e;
  }
}
