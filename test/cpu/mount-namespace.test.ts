// A process in its own mount namespace runs a binary from a path that exists only inside it: its
// code is read through /proc/PID/map_files, so its frames still carry its function names.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { runFluoro } from './cli.js';
import { completeness, describe, parseFolded, userFrames } from './folded-stacks.js';
import { buildBusy, requireProgram, tempDir } from './processes.js';

bpfTest('a binary bind-mounted in a private mount namespace is symbolized by name', async (t) => {
  requireProgram('/usr/bin/unshare');
  const dir = tempDir(t, 'fluoro-mntns-');
  const hidden = join(dir, 'hidden');
  const mountpoint = join(dir, 'mnt');
  mkdirSync(hidden);
  mkdirSync(mountpoint);
  copyFileSync(buildBusy(dir), join(hidden, 'busy-in-ns'));
  const inside = join(mountpoint, 'busy-in-ns');
  // unshare execs sh, which execs the binary: the child's PID is the target's.
  const target = await startTarget(t, '/usr/bin/unshare', [
    '--mount', '--propagation', 'private', 'sh', '-c', `mount --bind '${hidden}' '${mountpoint}' && exec '${inside}'`,
  ]);
  const maps = readFileSync(`/proc/${target.pid}/maps`, 'utf8');
  assert.ok(maps.includes(inside), 'the target runs the binary from the mount-namespace path');
  assert.equal(existsSync(inside), false, 'that path does not exist out here');

  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(target.pid), '-d', '2s', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const stacks = parseFolded(readFileSync(out, 'utf8'));
  const named = completeness(stacks, (s) => {
    const user = userFrames(s);
    return user.includes('main') && user.includes('busy_outer') && !user.some((f) => f.startsWith('busy-in-ns+0x'));
  });
  t.diagnostic(`named through the namespace: ${describe(named)}; all: ${describe(completeness(stacks))}`);
  assert.ok(named.samples >= 20, `only ${named.samples} samples`);
  assert.ok(named.ratio >= 0.9, describe(named));
}, { timeout: 60_000 });
