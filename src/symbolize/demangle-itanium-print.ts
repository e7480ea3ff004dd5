// Printing demangled Itanium C++ names the way binutils' c++filt does: types print in two halves
// around their declarator ("void (*" + ")(int)"), template parameters and packs resolve against the
// arguments they stand for, lists follow c++filt's comma habits. The parser is demangle-itanium.ts.

export type Node =
  | { k: 'name'; s: string }
  | { k: 'nested'; prefix: Node; name: Node }
  | { k: 'tmpl'; name: Node; args: Node[] }
  | { k: 'pack'; items: Node[] }
  | { k: 'tparam'; idx: number; scope: Scope }
  | { k: 'qual'; inner: Node; q: string }
  | { k: 'ptr'; inner: Node; op: string }
  | { k: 'func'; ret: Node | undefined; params: Node[]; cv: string; ref: string }
  | { k: 'array'; inner: Node; dim: string }
  | { k: 'ptrmem'; cls: Node; member: Node }
  | { k: 'vector'; inner: Node; dim: string }
  | { k: 'enc'; name: Node; ret: Node | undefined; params: Node[]; cv: string; ref: string }
  | { k: 'prefix'; text: string; inner: Node }
  | { k: 'suffix'; inner: Node; text: string }
  | { k: 'local'; enc: Node; name: Node }
  | { k: 'abi'; inner: Node; tag: string }
  | { k: 'conv'; type: Node }
  | { k: 'lambda'; params: Node[]; num: number }
  | { k: 'lit'; type: Node; value: string }
  | { k: 'expand'; inner: Node }
  | { k: 'ctorvt'; a: Node; b: Node }
  | { k: 'expr'; text: (p: Printer) => string; simple: boolean };

export interface Scope {
  args: Node[] | undefined;
}

export class Fail extends Error {}

const MAX_DEPTH = 256;
export const MAX_OUTPUT = 16384;

/** A function or array type: declarators go inside it ("void (*)(int)", "int (*) [4]"). */
function isFuncOrArray(n: Node): boolean {
  return n.k === 'func' || n.k === 'array';
}

/** Whether printing `n` leaves a part for after the declarator. */
function hasRhs(n: Node, p: Printer, depth = 0): boolean {
  if (depth > 64) throw new Fail();
  const r = resolveShallow(n, p);
  if (isFuncOrArray(r)) return true;
  if (r.k === 'ptr' || r.k === 'qual') return hasRhs(r.inner, p, depth + 1);
  if (r.k === 'ptrmem') return hasRhs(r.member, p, depth + 1);
  return false;
}

export class Printer {
  depth = 0;
  /** The pack element being printed inside a pack expansion. */
  packIndex = -1;
  packSize = -1;

  guard(): void {
    if (++this.depth > MAX_DEPTH) throw new Fail();
  }

  str(n: Node): string {
    this.guard();
    try {
      const s = this.left(n) + this.right(n);
      if (s.length > MAX_OUTPUT) throw new Fail();
      return s;
    } finally {
      this.depth--;
    }
  }

  /** An operand of an expression: bare when it is a name, in parentheses otherwise. */
  sub(n: Node): string {
    const r = resolveShallow(n, this);
    const simple = r.k === 'name' || r.k === 'nested' || (r.k === 'expr' && r.simple);
    return simple ? this.str(n) : `(${this.str(n)})`;
  }

  /**
   * A comma-separated list the way c++filt prints one: ", " goes before every element but is
   * taken back when everything after it printed nothing, so an empty pack leaves "f(, int)".
   */
  list(items: Node[]): string {
    const parts = items.map((it) => {
      const r = resolveShallow(it, this);
      if (r.k === 'pack') return this.list(r.items);
      if (it.k === 'expand') return this.expand(it.inner).join(', ');
      return this.str(it);
    });
    let out = '';
    for (let i = parts.length - 1; i >= 0; i--) out = out === '' || i === parts.length - 1 ? (out === '' ? parts[i]! : `${parts[i]}, ${out}`) : `${parts[i]}, ${out}`;
    return out;
  }

  expand(inner: Node): string[] {
    const size = packSizeOf(inner, this, 0);
    if (size < 0) return [`${this.str(inner)}...`];
    const out: string[] = [];
    const [pi, ps] = [this.packIndex, this.packSize];
    for (let i = 0; i < size; i++) {
      this.packIndex = i;
      this.packSize = size;
      out.push(this.str(inner));
    }
    [this.packIndex, this.packSize] = [pi, ps];
    return out;
  }

  args(items: Node[]): string {
    const s = this.list(items);
    // c++filt prints ", " before an empty trailing pack and takes it back, so it sees a space last.
    const last = items[items.length - 1];
    const emptyTail = items.length > 1 && last !== undefined && this.list([last]) === '';
    return s.endsWith('>') && !emptyTail ? `<${s} >` : `<${s}>`;
  }

  left(n: Node): string {
    this.guard();
    try {
      return this.leftInner(n);
    } finally {
      this.depth--;
    }
  }

  private leftInner(n: Node): string {
    switch (n.k) {
      case 'name':
        return n.s.startsWith('\x01') ? n.s.slice(1) : n.s;
      case 'nested':
        return `${this.str(n.prefix)}::${this.str(n.name)}`;
      case 'tmpl': {
        const base = this.str(n.name);
        return base.endsWith('<') ? `${base} ${this.args(n.args)}` : base + this.args(n.args);
      }
      case 'pack':
        return this.list(n.items);
      case 'tparam': {
        const r = resolveParam(n, this);
        return this.left(r);
      }
      case 'qual':
        return `${this.left(n.inner)} ${n.q}`;
      case 'ptr': {
        if (n.op !== '*') {
          // References to references collapse: & & → &, && && → &&.
          let op = n.op;
          let inner = resolveShallow(n.inner, this);
          for (let i = 0; inner.k === 'ptr' && inner.op !== '*' && i < 16; i++) {
            op = op === '&&' && inner.op === '&&' ? '&&' : '&';
            inner = resolveShallow(inner.inner, this);
          }
          if (inner !== resolveShallow(n.inner, this)) return this.left({ k: 'ptr', inner, op });
        }
        const inner = core(n.inner, this);
        const open = inner.k === 'array' ? ' (' : inner.k === 'func' ? '(' : '';
        return this.left(n.inner) + open + n.op;
      }
      case 'func':
        return n.ret ? this.left(n.ret) + (hasRhs(n.ret, this) ? '' : ' ') : '';
      case 'array':
        return this.left(n.inner);
      case 'ptrmem': {
        const open = isFuncOrArray(core(n.member, this)) ? '(' : ' ';
        return `${this.left(n.member)}${open}${this.str(n.cls)}::*`;
      }
      case 'vector':
        return `${this.str(n.inner)} __vector(${n.dim})`;
      case 'enc': {
        let s = '';
        if (n.ret) {
          s = this.left(n.ret);
          if (!hasRhs(n.ret, this)) s += ' ';
        }
        return s + this.str(n.name);
      }
      case 'prefix':
        return n.text + this.str(n.inner);
      case 'suffix':
        return this.str(n.inner) + n.text;
      case 'local':
        return `${this.str(n.enc)}::${this.str(n.name)}`;
      case 'abi':
        return `${this.str(n.inner)}[abi:${n.tag}]`;
      case 'conv':
        return `operator ${this.str(n.type)}`;
      case 'lambda':
        return `{lambda(${this.list(n.params)})#${n.num}}`;
      case 'lit':
        return `(${this.str(n.type)})${n.value}`;
      case 'expand': {
        return this.expand(n.inner).join(', ');
      }
      case 'ctorvt':
        return `${this.str(n.a)}-in-${this.str(n.b)}`;
      case 'expr':
        return n.text(this);
    }
  }

  private arrayRight(n: Extract<Node, { k: 'array' }>): string {
    const e = (n as { exprDim?: Node }).exprDim;
    const dims = `[${e ? this.str(e) : n.dim}]`;
    const inner = resolveShallow(n.inner, this);
    return dims + (inner.k === 'array' ? this.arrayRight(inner) : this.right(n.inner));
  }

  right(n: Node): string {
    this.guard();
    try {
      switch (n.k) {
        case 'tparam':
          return this.right(resolveParam(n, this));
        case 'qual':
          return this.right(n.inner);
        case 'ptr':
          if (n.op !== '*' && isRef(resolveShallow(n.inner, this))) {
            let inner = resolveShallow(n.inner, this);
            for (let i = 0; inner.k === 'ptr' && inner.op !== '*' && i < 16; i++) inner = resolveShallow(inner.inner, this);
            return this.right({ k: 'ptr', inner, op: '&' });
          }
          return (isFuncOrArray(core(n.inner, this)) ? ')' : '') + this.right(n.inner);
        case 'func':
          return `(${this.list(n.params)})${n.ret ? this.right(n.ret) : ''}${n.cv}${n.ref}`;
        case 'array':
          return ` ${this.arrayRight(n)}`;
        case 'ptrmem':
          return (isFuncOrArray(core(n.member, this)) ? ')' : '') + this.right(n.member);
        case 'enc':
          return `(${this.list(n.params)})${n.ret ? this.right(n.ret) : ''}${n.cv}${n.ref}`;
        default:
          return '';
      }
    } finally {
      this.depth--;
    }
  }
}

function resolveParam(n: Extract<Node, { k: 'tparam' }>, p: Printer): Node {
  const arg = n.scope.args?.[n.idx];
  if (!arg) throw new Fail();
  if (arg.k === 'pack' && p.packIndex >= 0) {
    const item = arg.items[p.packIndex];
    if (!item) throw new Fail();
    return item;
  }
  return arg;
}

function isRef(n: Node): boolean {
  return n.k === 'ptr' && n.op !== '*';
}

/** What a type is under template parameters and cv-qualifiers (a "const" array is an array). */
function core(n: Node, p: Printer): Node {
  let x = resolveShallow(n, p);
  for (let i = 0; x.k === 'qual' && i < 16; i++) x = resolveShallow(x.inner, p);
  return x;
}

/** Follows template parameters to what they stand for (bounded: they may refer to each other). */
function resolveShallow(n: Node, p: Printer): Node {
  let x = n;
  for (let i = 0; x.k === 'tparam'; i++) {
    if (i > 16) throw new Fail();
    x = resolveParam(x, p);
  }
  return x;
}

/** The size of the first argument pack a pack expansion's pattern refers to, or -1. */
function packSizeOf(n: Node, p: Printer, depth: number): number {
  if (depth > 64) return -1;
  if (n.k === 'tparam') {
    const arg = n.scope.args?.[n.idx];
    return arg?.k === 'pack' ? arg.items.length : -1;
  }
  const kids: Node[] = [];
  switch (n.k) {
    case 'qual': case 'ptr': case 'array': case 'vector': case 'abi':
      kids.push(n.inner);
      break;
    case 'func':
      if (n.ret) kids.push(n.ret);
      kids.push(...n.params);
      break;
    case 'tmpl':
      kids.push(n.name, ...n.args);
      break;
    case 'nested':
      kids.push(n.prefix, n.name);
      break;
    case 'ptrmem':
      kids.push(n.cls, n.member);
      break;
    default:
      break;
  }
  for (const k of kids) {
    const s = packSizeOf(k, p, depth + 1);
    if (s >= 0) return s;
  }
  return -1;
}

