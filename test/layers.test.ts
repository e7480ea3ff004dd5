// The layer rules of ARCHITECTURE.md hold over src/: imports flow one way. The checker itself
// is tried first on small trees with a planted violation and without.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

// The checker is a plain script beside the sources, not compiled: it is loaded from the
// repository root, with its types from the declaration next to it.
const root = fileURLToPath(new URL('../../', import.meta.url));
const { checkLayers, describeViolation, importSpecifiers } = (await import(
  new URL('scripts/check-layers.mjs', `file://${root}`).href
)) as typeof import('../scripts/check-layers.mjs');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const clean = {
  'src/errors.ts': 'export class FluoroError extends Error {}\n',
  'src/model/profile.ts': "import { FluoroError } from '../errors.js';\nexport interface Profile { n: number }\n",
  'src/formats/folded.ts': "import type { Profile } from '../model/profile.js';\nexport const x = (p: Profile) => p.n;\n",
  'src/analysis/hot.ts': "import type { Profile } from '../model/profile.js';\nimport { helper } from './helper.js';\n",
  'src/cli/main.ts': "import { x } from '../formats/folded.js';\nimport '../collectors/cpu/profiler.js';\n",
  // Tests may reach anywhere; packages and node: builtins are no layer.
  'src/analysis/hot.test.ts': "import { x } from '../formats/folded.js';\n",
  'src/console/server.ts': "import Fastify from 'fastify';\nimport { join } from 'node:path';\n",
};

test('a tree that keeps the rules passes', (t) => {
  const dir = tree(clean);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(checkLayers(dir), []);
});

test('a planted violation is reported, type-only and multi-line imports included', (t) => {
  const dir = tree({
    ...clean,
    'src/analysis/hot.ts': [
      "import type {",
      "  LuaBacktrace,",
      "} from '../collectors/lua-bt.js';",
      "import type { Profile } from '../model/profile.js';",
      "export { flameData } from '../formats/flamedata.js';",
      '',
    ].join('\n'),
    'src/errors.ts': "import type { Profile } from './model/profile.js';\n",
    'src/newcomer/a.ts': "import type { Profile } from '../model/profile.js';\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(checkLayers(dir).map(describeViolation), [
    'src/analysis/hot.ts → src/collectors/lua-bt.ts (analysis may not import collectors)',
    'src/analysis/hot.ts → src/formats/flamedata.ts (analysis may not import formats)',
    'src/errors.ts → src/model/profile.ts (base may not import model)',
    'src/newcomer/a.ts → src/model/profile.ts (newcomer is not in the layer table)',
  ]);
});

test('imports are read from statements, not from strings that look like them', () => {
  const source = [
    "import { a } from './a.js';",
    "export * as b from '../b.js';",
    "import './side-effect.js';",
    "const s = `x from '../not-an-import.js'`;",
    "  // import { c } from '../commented.js' is not at a statement start either way",
    "const later = await import('../dynamic.js');",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source), ['./a.js', '../b.js', './side-effect.js', '../dynamic.js']);
});

test('src/ keeps the layer rules of ARCHITECTURE.md', () => {
  const started = performance.now();
  const violations = checkLayers(root);
  const ms = performance.now() - started;
  if (violations.length > 0) {
    assert.fail(`${violations.length} imports against the layer table:\n${violations.map(describeViolation).join('\n')}`);
  }
  assert.ok(ms < 1000, `the check took ${ms.toFixed(0)} ms`);
});
