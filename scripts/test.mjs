#!/usr/bin/env node
// Runs the whole suite (node's test runner over the compiled tree) and enforces the rule that
// BPF tests never silently skip in CI: under CI=true any skipped test fails the run.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// Only *.test.js files are tests. (Given a directory, node's runner would also run every .js file
// under a test/ folder: the support modules and fixtures there are not tests.)
function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

const args = ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', ...process.argv.slice(2)];
if (process.argv.length <= 2) args.push(...testFiles('dist'));

const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
const skipped = [];
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-1 << 20);
});
child.on('close', (code, signal) => {
  for (const line of tail.split('\n')) {
    if (/# SKIP/.test(line) || /﹣ .*\(.*\)\s*# /.test(line)) skipped.push(line.trim());
  }
  const m = /(?:ℹ|#) skipped (\d+)/.exec(tail);
  const nSkipped = m ? Number(m[1]) : 0;
  if (code !== 0 || signal) process.exit(code || 1);
  if (nSkipped > 0 && process.env.CI) {
    console.error(`\n${nSkipped} test(s) skipped under CI; every test, BPF tests above all, must run:`);
    for (const s of skipped) console.error('  ' + s);
    process.exit(1);
  }
  process.exit(0);
});
