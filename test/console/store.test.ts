// The console's store: migrations from an earlier schema, filters and deletes, and a crash in the
// middle of a write (SIGKILL of a writing process) that leaves a consistent store.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { migrate, SCHEMA_VERSION } from '../../src/console/store/migrations.js';
import { RunStore } from '../../src/console/store/store.js';
import { readFolded, writeFolded } from '../../src/formats/folded.js';
import { toDocument } from '../../src/model/serialize.js';

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const PROFILE = readFolded('main;serve;gcd @balancer.lua:41 90\nmain;serve;parse 30\n');

test('a store written with schema version 1 is migrated on open, its runs and profiles intact', (t) => {
  const path = join(tempDir(t), 'v1.db');
  const old = new Database(path);
  assert.deepEqual(migrate(old, 1), [1]);
  old.prepare(`INSERT INTO runs (kind, status, host, pid, command, started_at, duration_ms, settings) VALUES ('cpu', 'done', 'h1', 42, 'nginx: worker', 1700000000000, 5000, '{"hz":99}')`).run();
  old.prepare(`INSERT INTO profiles (run_id, version, encoding, document) VALUES (1, 1, 'json+gzip', ?)`).run(gzipSync(JSON.stringify(toDocument(PROFILE))));
  old.prepare(`INSERT INTO runs (kind, status, host, pid, command, started_at, error) VALUES ('cpu', 'failed', 'h1', 43, 'x', 1700000001000, 'no process with PID 43')`).run();
  assert.equal(old.pragma('user_version', { simple: true }), 1);
  old.close();

  const store = RunStore.open(path);
  t.after(() => store.close());
  assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  const [failed, done] = store.list();
  assert.equal(done!.source, 'agent', 'the new column has its default');
  assert.deepEqual(done!.warnings, []);
  assert.deepEqual(done!.settings, { hz: 99 });
  assert.equal(done!.hasProfile, true);
  assert.equal(writeFolded(store.profile(1)!), writeFolded(PROFILE));
  assert.equal(failed!.status, 'failed');
  assert.equal(failed!.error, 'no process with PID 43');
});

test('a store written with schema version 2 gains the results table; old runs have none, new ones keep theirs', (t) => {
  const path = join(tempDir(t), 'v2.db');
  const old = new Database(path);
  assert.deepEqual(migrate(old, 2), [1, 2]);
  old.prepare(`INSERT INTO runs (kind, status, host, pid, command, started_at, duration_ms, source) VALUES ('cpu', 'done', 'h1', 42, 'nginx: worker', 1700000000000, 5000, 'upload')`).run();
  old.prepare(`INSERT INTO profiles (run_id, version, encoding, document) VALUES (1, 1, 'json+gzip', ?)`).run(gzipSync(JSON.stringify(toDocument(PROFILE))));
  old.close();

  const store = RunStore.open(path);
  t.after(() => store.close());
  assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.ok(SCHEMA_VERSION >= 3);
  const before = store.get(1)!;
  assert.equal(before.source, 'upload');
  assert.equal(before.hasProfile, true);
  assert.equal(before.resultType, null, 'a run from before results has none');
  assert.equal(store.result(1), undefined);

  const data = { build: 'LuaJIT 2.1', snapshots: 3, backtraces: [{ count: 3, frames: [{ kind: 'lua', name: 'gcd', file: 'balancer.lua', line: 10, inTrace: false, locals: [{ name: 'b', type: 'string', text: '"0"' }] }] }] };
  const id = store.add({ kind: 'lua-bt', source: 'agent', host: 'h1', pid: 42, command: 'nginx: worker', startedAt: Date.now(), settings: { samples: 3, locals: true } },
    { status: 'done', durationMs: 40, summary: { snapshots: 3 }, result: { type: 'lua-backtraces', version: 1, data } });
  const run = store.get(id)!;
  assert.equal(run.resultType, 'lua-backtraces');
  assert.equal(run.hasProfile, false);
  assert.deepEqual(run.settings, { samples: 3, locals: true });
  assert.deepEqual(store.result(id), { type: 'lua-backtraces', version: 1, data });
  assert.equal(store.list({ kind: 'lua-bt' }).length, 1);
  assert.equal(store.delete(id), true);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n, 0, 'the result went with its run');
});

test('a store from a newer fluoro is refused with a clear sentence', (t) => {
  const path = join(tempDir(t), 'new.db');
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => RunStore.open(path), /newer than this fluoro understands/);
});

test('runs are filtered by status, pid and text, and deleted with their profiles', (t) => {
  const store = RunStore.open(':memory:');
  t.after(() => store.close());
  const add = (pid: number, command: string, status: 'done' | 'failed') =>
    store.add({ kind: 'cpu', source: 'agent', host: 'web-1', pid, command, startedAt: Date.now(), settings: {} },
      { status, durationMs: 10, ...(status === 'done' ? { profile: PROFILE } : { error: 'boom' }) });
  const a = add(10, 'nginx: worker process', 'done');
  add(11, 'python3 app.py', 'failed');
  const c = add(10, 'nginx: worker process', 'done');
  assert.deepEqual(store.list({ pid: 10 }).map((r) => r.id), [c, a], 'newest first');
  assert.deepEqual(store.list({ status: 'failed' }).map((r) => r.command), ['python3 app.py']);
  assert.equal(store.list({ text: 'PYTHON' }).length, 1);
  assert.equal(store.list({ text: 'web-1' }).length, 3, 'text finds the host too');
  assert.equal(store.list({ limit: 1 }).length, 1);
  assert.equal(store.delete(a), true);
  assert.equal(store.delete(a), false);
  assert.equal(store.get(a), undefined);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM profiles').get() as { n: number }).n, 1, 'the profile went with its run');
});

test('a writer killed in the middle of writes leaves a consistent store; its running run is marked failed', async (t) => {
  const path = join(tempDir(t), 'crash.db');
  const writer = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
  const child = spawn(process.execPath, [writer, path, '--write-until-killed'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  await once(child.stdout!, 'data'); // "ready"
  await new Promise((r) => setTimeout(r, 700));
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;

  const store = RunStore.open(path);
  t.after(() => store.close());
  assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
  const runs = store.list({ limit: 1000 });
  assert.ok(runs.length >= 2, `the writer got some runs in (${runs.length})`);
  for (const r of runs.filter((x) => x.status === 'done')) assert.equal(r.hasProfile, true, `done run ${r.id} has its profile`);
  const lastDone = runs.find((x) => x.status === 'done')!;
  assert.equal(writeFolded(store.profile(lastDone.id)!).split('\n').length > 100, true, 'the last finished profile reads back whole');
  const running = runs.filter((x) => x.status === 'running').length;
  assert.ok(running <= 1, 'at most the run being written when killed is unfinished');
  assert.equal(store.failAbandoned('the console stopped'), running);
  assert.equal(store.list({ status: 'running' }).length, 0);
});
