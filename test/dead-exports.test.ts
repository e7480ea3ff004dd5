// Dead exports: a name a module exports that no other module imports (src/, test/, bench/,
// examples/, and bin/ and scripts/ as importers) is either module-private or dead code, and a
// re-export nobody imports through is a barrel entry no one needs. The folders below are kept
// free of both; a new dead export there fails this test, which names it.
//
// Imports are read with the TypeScript parser, so `import type`, `export … from`, `export *` and
// `import * as` all count. A namespace import or an import() with a literal keeps every export of
// its module alive; an import() of a computed path is not seen.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Folders held to the rule (paths relative to the repository). */
const CHECKED = ['src/'];

/** Imported through a path computed at run time (bin/fluoro.js loads the built main.js). */
const ENTRY_POINTS = new Set(['src/cli/main.ts\0run']);

interface ModuleInfo {
  /** Names declared here and exported, with whether the file itself uses them besides. */
  local: Map<string, { usedHere: boolean }>;
  /** exported name -> [module, name there] for `export { x as y } from 'm'`. */
  reexports: Map<string, [string, string]>;
  /** Modules whose every export this one passes on (`export * from 'm'`). */
  stars: string[];
  /** [module, name] pairs this module imports; name "*" for all of them. */
  uses: Array<[string, string]>;
}

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'fixtures') sources(p, out);
    } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The source file an import specifier names, or undefined for packages and computed paths. */
function resolveSpec(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const p = resolve(dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p.replace(/\.mjs$/, '.mts'), p]) if (existsSync(c) && /\.(ts|mts|js|mjs)$/.test(c)) return c;
  return undefined;
}

const hasExport = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isDefault = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);

function parse(file: string): ModuleInfo {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.ts') || file.endsWith('.mts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const info: ModuleInfo = { local: new Map(), reexports: new Map(), stars: [], uses: [] };
  const declared = new Map<string, ts.Node[]>(); // exported name -> its declaration names

  const spec = (n: ts.Expression | undefined) => (n && ts.isStringLiteral(n) ? resolveSpec(file, n.text) : undefined);
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const m = spec(st.moduleSpecifier);
      const c = st.importClause;
      if (!m || !c) continue;
      if (c.name) info.uses.push([m, 'default']);
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) info.uses.push([m, '*']);
      else if (b) for (const el of b.elements) info.uses.push([m, (el.propertyName ?? el.name).text]);
    } else if (ts.isExportDeclaration(st)) {
      const m = spec(st.moduleSpecifier);
      const c = st.exportClause;
      if (st.moduleSpecifier) {
        if (!m) continue;
        if (!c) info.stars.push(m);
        else if (ts.isNamespaceExport(c)) info.uses.push([m, '*']);
        else for (const el of c.elements) info.reexports.set(el.name.text, [m, (el.propertyName ?? el.name).text]);
      } else if (c && ts.isNamedExports(c)) {
        for (const el of c.elements) declared.set(el.name.text, [el.propertyName ?? el.name]);
      }
    } else if (ts.isExportAssignment(st)) {
      declared.set('default', []);
    } else if (hasExport(st)) {
      if (isDefault(st)) declared.set('default', []);
      else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) declared.set(d.name.text, [d.name]);
      } else {
        const name = (st as ts.DeclarationStatement).name;
        if (name && ts.isIdentifier(name)) declared.set(name.text, [...(declared.get(name.text) ?? []), name]);
      }
    }
  }
  // Identifiers anywhere that are not the declarations themselves: the file's own uses. And
  // import('…') and import types anywhere in the file.
  const seen = new Map<string, number>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) seen.set(n.text, (seen.get(n.text) ?? 0) + 1);
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const m = spec(n.arguments[0]);
      if (m) info.uses.push([m, '*']);
    }
    if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      const m = resolveSpec(file, n.argument.literal.text);
      if (m) info.uses.push([m, n.qualifier && ts.isIdentifier(n.qualifier) ? n.qualifier.text : '*']);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  for (const [name, decls] of declared) info.local.set(name, { usedHere: (seen.get(name) ?? 0) > decls.length });
  return info;
}

interface Dead {
  file: string;
  name: string;
  kind: 'unused' | 'private' | 're-export';
}

/** Every export in the tree at `root` that no other module imports, by file. */
function deadExports(root: string): Dead[] {
  const files = ['src', 'test', 'bench', 'examples', 'bin', 'scripts'].flatMap((d) => sources(join(root, d)));
  const modules = new Map(files.map((f) => [f, parse(f)]));
  const used = new Set<string>(); // `${file}\0${name}`
  const mark = (file: string, name: string, depth = 0): void => {
    const m = modules.get(file);
    if (!m || depth > 20) return;
    if (name === '*') {
      for (const n of [...m.local.keys(), ...m.reexports.keys()]) mark(file, n, depth + 1);
      for (const s of m.stars) mark(s, '*', depth + 1);
      return;
    }
    const key = `${file}\0${name}`;
    if (used.has(key)) return;
    used.add(key);
    const re = m.reexports.get(name);
    if (re) mark(re[0], re[1], depth + 1);
    else if (!m.local.has(name)) for (const s of m.stars) mark(s, name, depth + 1);
  };
  for (const [, m] of modules) for (const [file, name] of m.uses) mark(file, name);

  const out: Dead[] = [];
  for (const [file, m] of modules) {
    const rel = relative(root, file);
    if (/\.test\.(ts|js)$/.test(rel) || rel.startsWith('bin/') || rel.startsWith('scripts/')) continue;
    for (const [name, { usedHere }] of m.local) {
      if (!used.has(`${file}\0${name}`)) out.push({ file: rel, name, kind: usedHere ? 'private' : 'unused' });
    }
    for (const name of m.reexports.keys()) if (!used.has(`${file}\0${name}`)) out.push({ file: rel, name, kind: 're-export' });
    // A barrel: a file that only passes names on, which nothing imports through.
    if (m.local.size === 0 && (m.reexports.size > 0 || m.stars.length > 0) && ![...used].some((k) => k.startsWith(`${file}\0`))) {
      out.push({ file: rel, name: '(whole file)', kind: 're-export' });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

const describe = (d: Dead) =>
  `${d.file}: ${d.name} — ${d.kind === 'private' ? 'used only in its own file: make it module-private' : d.kind === 'unused' ? 'used nowhere: delete it' : 'a re-export nobody imports'}`;

test('no dead exports or unused barrels in src/', (t) => {
  const dead = deadExports(repo);
  const checked = dead.filter((d) => CHECKED.some((f) => d.file.startsWith(f)) && !ENTRY_POINTS.has(`${d.file}\0${d.name}`));
  const elsewhere = dead.filter((d) => !checked.includes(d));
  if (elsewhere.length > 0) t.diagnostic(`outside the checked folders, ${elsewhere.length} dead exports:\n${elsewhere.map(describe).join('\n')}`);
  assert.deepEqual(checked.map(describe), []);
});

test('the check finds unused, private and re-exported names, and counts every kind of import', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-dead-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('src/a.ts', [
    'export const used = 1;',
    'export function unused(): number { return 2; }',
    'export const privateOnly = 3;',
    'export const total = privateOnly + 1;',
    'export interface Shape { n: number }',
    'export type Kind = "a" | "b";',
    'const inner = 4;',
    'export { inner as renamed };',
  ].join('\n'));
  write('src/b.ts', "import { used, total } from './a.js';\nimport type { Shape } from './a.js';\nexport const s: Shape = { n: used + total };\n");
  write('src/all.ts', 'export const x = 1;\nexport const y = 2;\n');
  write('src/barrel/index.ts', "export * from '../all.js';\nexport { renamed } from '../a.js';\n");
  write('src/dead-barrel/index.ts', "export { unused } from '../a.js';\n");
  write('test/uses.test.ts', "import { s } from '../src/b.js';\nimport { renamed } from '../src/barrel/index.js';\nimport * as all from '../src/all.js';\n" +
    "type K = import('../src/a.js').Kind;\nexport const k: K = 'a';\nconsole.log(s, renamed, all);\n");
  assert.deepEqual(deadExports(dir).map(describe), [
    'src/a.ts: privateOnly — used only in its own file: make it module-private',
    'src/a.ts: unused — used nowhere: delete it',
    'src/dead-barrel/index.ts: (whole file) — a re-export nobody imports',
    'src/dead-barrel/index.ts: unused — a re-export nobody imports',
  ]);
});
