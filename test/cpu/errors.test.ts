// How `fluoro cpu` fails: one sentence on stderr and a distinct exit code, never a stack trace;
// a target that exits mid-profile still gets its profile written.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { startTarget } from '../../src/proc/testing.js';
import { bpfTest } from '../support/bpf.js';
import { isSampling, runFluoro, type CliResult } from './cli.js';
import { parseFolded, userFrames } from './folded-stacks.js';
import { buildBusy, tempDir, waitFor } from './processes.js';

function oneSentence(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^fluoro: \S/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  return lines[0]!;
}

function missingPid(): number {
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  for (let pid = max - 1; pid > 1; pid--) if (!existsSync(`/proc/${pid}`)) return pid;
  throw new Error('every PID is taken');
}

test('a PID that does not exist: exit 3 and one sentence', async (t) => {
  const dir = tempDir(t, 'fluoro-errors-');
  const pid = missingPid();
  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(pid), '-d', '1s', '-o', out]);
  assert.equal(r.code, ExitCode.noTarget);
  assert.equal(oneSentence(r), `fluoro: no process with PID ${pid}`);
  assert.equal(existsSync(out), false, 'nothing written');
});

test('bad flags: exit 2 and one sentence naming the flag', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--hz', '0'], /--hz must be between 1 and \d+, not 0/],
    [['-d', 'abc'], /--duration must be a duration like/],
    [['--all'], /give a process with -p PID, or --all/],
  ];
  for (const [flags, message] of cases) {
    const r = await runFluoro(t, ['cpu', '-p', String(process.pid), ...flags, '-o', '/dev/null']);
    assert.equal(r.code, ExitCode.usage, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(oneSentence(r), message);
  }
});

bpfTest('a target that exits mid-profile: the profile is written, exit 6, stderr says so', async (t) => {
  const dir = tempDir(t, 'fluoro-errors-');
  const target = await startTarget(t, buildBusy(dir), []);
  const out = join(dir, 'out.folded');
  let sampledFrom = 0;
  const run = runFluoro(t, ['cpu', '-p', String(target.pid), '-d', '8s', '-o', out], 60_000, (cli) => {
    // The target dies one second into sampling (starting fluoro takes a while on a busy machine).
    void waitFor('fluoro to start sampling', () => isSampling(cli.pid!), 30_000).then(async () => {
      sampledFrom = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      await target.kill();
    }, () => {});
  });
  const r = await run;
  const tail = Date.now() - sampledFrom;
  assert.equal(r.code, ExitCode.targetExited, r.stderr);
  assert.match(oneSentence(r), new RegExp(`^fluoro: process ${target.pid} exited during sampling`));
  assert.ok(sampledFrom > 0 && tail < 6000, `sampling stops when the target is gone, not after 8 s (${tail} ms)`);
  const stacks = parseFolded(readFileSync(out, 'utf8'));
  assert.ok(stacks.some((s) => userFrames(s).includes('busy_inner')), 'the profile holds the samples taken before the exit');
}, { timeout: 60_000 });
