// The gateway incident end to end, as a user runs it: `fluoro demo` starts the gateway, breaks
// it, attaches to the spinning worker and must name the function, the line and the bad value.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfTest } from '../support/bpf.js';

const fluoro = fileURLToPath(new URL('../../../bin/fluoro.js', import.meta.url));
const balancer = fileURLToPath(new URL('../../../examples/gateway/lua/gateway/balancer.lua', import.meta.url));

bpfTest('fluoro demo: the report names gcd, its line, and the weight that is the string "0"', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'fluoro-demo-test-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [fluoro, 'demo', '--json', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);

  const loopLine = readFileSync(balancer, 'utf8').split('\n').findIndex((l) => l.includes('while b ~= 0 do')) + 1;
  assert.equal(report.hottest.function, 'gcd');
  assert.match(report.hottest.file, /gateway\/balancer\.lua$/);
  assert.ok(report.hottest.line === loopLine || report.hottest.line === loopLine + 1, `line ${report.hottest.line} is the loop`);
  assert.ok(report.hottest.share >= 80, `gcd holds ${report.hottest.share}% of the samples`);
  assert.equal(report.loop.same, report.loop.snapshots, 'every snapshot shows the same frames');
  const weight = report.suspicions.find((s: { variable: string }) => s.variable === 'weight');
  assert.ok(weight, 'the weight is pointed out');
  assert.equal(weight.value, '"0"');
  assert.equal(weight.type, 'string');
  assert.equal(weight.frame.function, 'weights_gcd');
  assert.ok(report.secondsToReport < 15, `report in ${report.secondsToReport} s`);
  t.diagnostic(`report ${report.secondsToReport.toFixed(1)} s after attaching; ${report.samples} samples`);
  for (const f of Object.values(report.files) as string[]) assert.ok(readFileSync(f).length > 100, `${f} written`);
  const leftovers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('nginx') && l.includes('fluoro-demo-'));
  assert.deepEqual(leftovers, [], 'the demo stopped the nginx it started');
}, { timeout: 90_000 });
