// fluoro cpu on Debian's python3 running a loop in a Python function: the native stacks pass
// through the interpreter's eval loop and reach the thread's start. (python3's main() is a tail
// jump to Py_BytesMain, so `main` itself is never on its stack; _start is the root.)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { runFluoro } from './cli.js';
import { completeness, describe, isComplete, parseFolded, userFrames } from './folded-stacks.js';
import { requireProgram, tempDir } from './processes.js';

const PYTHON = '/usr/bin/python3';

const SCRIPT = fileURLToPath(new URL('../../../test/fixtures/python/spin.py', import.meta.url));

bpfTest('python3 in a Python loop: at least 90% of stacks go through _PyEval_EvalFrameDefault to the root', async (t) => {
  requireProgram(PYTHON);
  const dir = tempDir(t, 'fluoro-python-');
  const target = await startTarget(t, PYTHON, [SCRIPT]);
  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(target.pid), '-d', '3s', '-o', out]);
  assert.equal(r.code, 0, r.stderr);

  const stacks = parseFolded(readFileSync(out, 'utf8'));
  const all = completeness(stacks);
  const throughEval = completeness(stacks, (s) => {
    const user = userFrames(s);
    return isComplete(s) && user.includes('Py_BytesMain') && user.includes('_PyEval_EvalFrameDefault');
  });
  t.diagnostic(`python3: ${describe(all)}; through the eval loop: ${describe(throughEval)}`);
  assert.ok(all.samples >= 20, `only ${all.samples} samples`);
  assert.ok(throughEval.ratio >= 0.9, describe(throughEval));
}, { timeout: 60_000 });
