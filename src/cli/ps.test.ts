import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'node:test';
import { startTarget, witnessCpu } from '../proc/testing.js';
import type { PsRow } from '../collectors/processes.js';
import { cell, renderPsJson, renderPsTable } from './ps.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

interface JsonRow {
  pid: number;
  cpu: number;
  threads: number;
  runtimes: { name: string; version?: string }[];
  container: { inContainer: boolean } | null;
  cmdline: string[];
}

async function ps(...args: string[]): Promise<JsonRow[]> {
  const { stdout } = await run(process.execPath, ['bin/fluoro.js', 'ps', ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as JsonRow[];
}

test('fluoro ps finds busy LuaJIT and Python processes with their runtimes and CPU', async (t) => {
  const lj = await startTarget(t, '/usr/bin/luajit', ['-e', 'io.write("go\\n") io.flush() while true do end']);
  const py = await startTarget(t, '/usr/bin/python3', ['-c', 'print("go", flush=True)\nwhile True: pass']);

  // The cores may be shared with other work, so a busy loop may get less than a core. fluoro's
  // number must agree with the scheduler's own accounting over the same run, and must be above
  // half a core whenever the scheduler says the loop had well over half a core.
  let all: JsonRow[] = [];
  let luaRow: JsonRow | undefined;
  let pyRow: JsonRow | undefined;
  let agreed = false;
  for (let attempt = 0; attempt < 3 && !agreed; attempt++) {
    const wLua = await witnessCpu(lj.pid, () => witnessCpu(py.pid, () => ps('--json', '--interval', '500ms')));
    const wPy = wLua.result;
    all = wPy.result;
    luaRow = all.find((r) => r.pid === lj.pid);
    pyRow = all.find((r) => r.pid === py.pid);
    assert.ok(luaRow && pyRow, 'both targets are listed');
    t.diagnostic(`luajit ${luaRow.cpu}% (scheduler ${wLua.percent.toFixed(1)}%), python ${pyRow.cpu}% (scheduler ${wPy.percent.toFixed(1)}%)`);
    agreed = Math.abs(luaRow.cpu - wLua.percent) < 25 && Math.abs(pyRow.cpu - wPy.percent) < 25;
    for (const [row, w] of [[luaRow, wLua.percent], [pyRow, wPy.percent]] as const) {
      assert.ok(row.cpu > 2 && row.cpu < 150, `a busy thread at ${row.cpu}%`);
      if (w > 70) assert.ok(row.cpu > 50, `${row.cpu}% while the scheduler saw ${w.toFixed(1)}%`);
    }
  }
  assert.ok(agreed, 'fluoro agrees with the scheduler within 25 points');
  assert.ok(luaRow && pyRow);
  assert.deepEqual(luaRow.runtimes.map((m) => m.name), ['luajit']);
  assert.deepEqual(pyRow.runtimes.map((m) => `${m.name} ${m.version}`), ['python 3.11']);
  assert.equal(luaRow.threads, 1);
  assert.equal(luaRow.container?.inContainer, false);
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.cpu >= all[i]!.cpu, 'busiest first');

  const lua = await ps('--json', '--runtime', 'lua');
  assert.ok(lua.some((r) => r.pid === lj.pid));
  assert.ok(lua.every((r) => r.runtimes.some((m) => m.name === 'luajit')));
  assert.ok(!lua.some((r) => r.pid === py.pid));

  assert.equal((await ps('--json', '-n', '1')).length, 1);

  const { stdout } = await run(process.execPath, ['bin/fluoro.js', 'ps', '--runtime', 'python'], { cwd: repo });
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\s*PID\s+USER\s+%CPU\s+THR\s+CONTAINER\s+RUNTIMES\s+COMMAND$/);
  assert.ok(lines.some((l) => l.trimStart().startsWith(`${py.pid} `) && l.includes('python 3.11')));
});

test('fluoro ps rejects an unknown runtime with a usage error', async () => {
  await assert.rejects(run(process.execPath, ['bin/fluoro.js', 'ps', '--runtime', 'cobol'], { cwd: repo }), (e: { code: number; stderr: string }) => {
    assert.equal(e.code, 2);
    assert.match(e.stderr, /--runtime must be one of luajit, python/);
    return true;
  });
});

function hostileRow(over: Partial<PsRow>): PsRow {
  return {
    pid: 4242,
    ppid: 1,
    uid: 0,
    user: 'root',
    cpu: 99.5,
    threads: 3,
    container: undefined,
    runtimes: [{ name: 'luajit', file: '/usr/bin/luajit' }],
    comm: 'x',
    cmdline: [],
    exe: undefined,
    ...over,
  };
}

test('hostile process names are neutralised and bounded in the table', () => {
  const esc = '\x1b]0;owned\x07\x1b[2J\x9b31m';
  const rows = [
    hostileRow({ comm: `k${esc}\n` }),
    hostileRow({ pid: 7, cmdline: ['nginx:', `worker${esc}`, 'A'.repeat(10_000), 'line\nbreak\ttab\r'] }),
    hostileRow({ pid: 8, user: `evil${esc}user-with-a-very-long-name`, cmdline: ['B'.repeat(10_240)] }),
  ];
  const out = renderPsTable(rows, 120);
  const wide = renderPsTable(rows);
  assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no control characters reach the terminal');
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 4, 'one line per process: embedded newlines cannot forge rows');
  for (const l of lines) assert.ok(l.length <= 120, `line of ${l.length} characters fits a 120-column terminal`);
  for (const l of wide.split('\n')) assert.ok(l.length < 300, `line of ${l.length} characters in a pipe`);
  assert.doesNotMatch(wide, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.ok(out.includes('[k\\x1b]0;owned\\x07'), 'the escape is shown, visibly');
  assert.ok(lines[2]!.endsWith('…'), 'a 10 KB command is cut short');
  assert.ok(lines[3]!.includes(' evil\\x1b]0;… '), 'the user column is bounded too');
  assert.equal(cell('a\tb\nc', 10), 'a b\\nc');
  assert.equal(cell('x'.repeat(50), 10), 'xxxxxxxxx…');
});

test('JSON output escapes the control characters JSON.stringify leaves raw', () => {
  const text = renderPsJson([hostileRow({ comm: 'a\x1b[1m\x9b2Jb' })]);
  assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  const back = JSON.parse(text) as { comm: string }[];
  assert.equal(back[0]!.comm, 'a\x1b[1m\x9b2Jb', 'and the data survives a round trip');
});
