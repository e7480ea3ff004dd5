#!/usr/bin/env node
// The layer rules of ARCHITECTURE.md as a check: every import and re-export in src/**/*.ts (tests
// aside) is resolved to the layer it reaches — the first folder under src/, or "base" for the
// files at the top of src/ — and held against the one table of allowed dependencies below.
// Type-only imports count: they couple the layers just the same. No dependencies, no compiler:
// the imports are read from the text, so the check runs in a few milliseconds.
//
//   node scripts/check-layers.mjs [root]   prints one line per violation, exits 1 if any

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What each layer may import, besides itself. Data flows down once: the kernel side and the live
 * system at the bottom, the Profile in the middle, the commands and the console on top.
 * "*" means any layer.
 */
export const ALLOWED = {
  base: [],
  model: ['base'],
  formats: ['model', 'base'],
  analysis: ['model', 'base'],
  elf: ['base'],
  proc: ['elf', 'base'],
  bpf: ['proc', 'base'],
  symbolize: ['elf', 'proc', 'base'],
  unwind: ['elf', 'proc', 'symbolize', 'bpf', 'model', 'base'],
  collectors: ['bpf', 'proc', 'elf', 'symbolize', 'unwind', 'model', 'analysis', 'base'],
  agent: ['collectors', 'model', 'analysis', 'formats', 'proc', 'unwind', 'symbolize', 'base'],
  console: ['agent', 'model', 'analysis', 'formats', 'base'],
  cli: '*',
  demo: '*',
};

// `import … from '…'`, `import type … from '…'`, `export { … } from '…'`, `export * as x from '…'`,
// each starting a line; `import '…'` for its side effects; `import('…')` with a literal.
const FROM = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s+from\s*(['"])([^'"\n]+)\1/gm;
const BARE = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The module specifiers a TypeScript source names, in the order they appear. */
export function importSpecifiers(source) {
  const found = [];
  for (const re of [FROM, BARE, DYNAMIC]) {
    for (const m of source.matchAll(re)) found.push({ at: m.index, spec: m[2] });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec);
}

/** The layer of a path relative to src/ ("model/profile.ts" → "model", "errors.ts" → "base"). */
export function layerOf(pathInSrc) {
  const parts = pathInSrc.split('/');
  return parts.length > 1 ? parts[0] : 'base';
}

export function mayImport(from, to) {
  if (from === to) return true;
  const allowed = ALLOWED[from];
  return allowed === '*' || (Array.isArray(allowed) && allowed.includes(to));
}

function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

const posix = (p) => p.split(sep).join('/');

/**
 * Every import under root/src that crosses the layers against the table. Paths are relative to
 * root, with the .ts file an import of "./x.js" compiles from.
 */
export function checkLayers(root) {
  const src = join(root, 'src');
  const violations = [];
  for (const file of sources(src)) {
    const fromPath = posix(relative(src, file));
    const fromLayer = layerOf(fromPath);
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue; // packages and node: builtins
      const target = posix(relative(src, resolve(dirname(file), spec)));
      if (target.startsWith('../')) continue; // outside src/: not a layer
      const toLayer = layerOf(target);
      if (mayImport(fromLayer, toLayer)) continue;
      violations.push({
        from: `src/${fromPath}`,
        to: `src/${target.replace(/\.js$/, '.ts')}`,
        fromLayer,
        toLayer,
      });
    }
  }
  return violations;
}

export function describeViolation(v) {
  const why = v.fromLayer in ALLOWED ? `${v.fromLayer} may not import ${v.toLayer}` : `${v.fromLayer} is not in the layer table`;
  return `${v.from} → ${v.to} (${why})`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.log(describeViolation(v));
  process.exit(violations.length > 0 ? 1 : 0);
}
