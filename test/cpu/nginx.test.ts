// fluoro cpu on Debian's nginx serving a static file under wrk: the worker's stacks (no frame
// pointers anywhere) unwind from the leaf to main in nearly every sample, with nginx's names.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfTest } from '../support/bpf.js';
import { runFluoro } from './cli.js';
import { completeness, describe, parseFolded } from './folded-stacks.js';
import { childrenOf, freePort, httpOk, killIfAlive, requireProgram, spawnOwned, tempDir, waitFor } from './processes.js';

const NGINX = '/usr/sbin/nginx';

function config(dir: string, port: number): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/tmp-${k};`);
  return [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `error_log ${dir}/error.log;`,
    `pid ${dir}/nginx.pid;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...temp,
    `  server { listen 127.0.0.1:${port}; root ${dir}/www; location / { } }`,
    '}',
    '',
  ].join('\n');
}

bpfTest('nginx static file under wrk: at least 95% of worker samples unwind to main', async (t) => {
  requireProgram(NGINX);
  requireProgram('/usr/bin/wrk');
  const dir = tempDir(t, 'fluoro-nginx-');
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port));
  chmodSync(dir, 0o755); // the worker runs as nobody
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'file'), randomBytes(4096));

  const workers: number[] = [];
  // Registered before the master starts so it runs after the master is stopped: a worker that
  // outlived a killed master is killed by PID.
  t.after(() => workers.forEach((pid) => killIfAlive(pid, 'nginx')));
  const master = spawnOwned(t, NGINX, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], {}, 'SIGTERM');
  let errors = '';
  master.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
  const worker = await waitFor('the nginx worker', () => {
    if (master.exitCode !== null) throw new Error(`nginx exited with ${master.exitCode}: ${errors}`);
    return childrenOf(master.pid!)[0];
  });
  workers.push(worker);
  await waitFor('nginx to serve', () => httpOk(`http://127.0.0.1:${port}/file`));

  spawnOwned(t, '/usr/bin/wrk', ['-t1', '-c8', '-d8s', `http://127.0.0.1:${port}/file`]);
  await new Promise((r) => setTimeout(r, 300));
  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(worker), '-d', '3s', '-o', out]);
  assert.equal(r.code, 0, r.stderr);

  const stacks = parseFolded(readFileSync(out, 'utf8'));
  const c = completeness(stacks);
  t.diagnostic(`nginx worker: ${describe(c)}`);
  t.diagnostic(`fluoro: ${r.stdout.split('\n')[0]}`);
  assert.ok(c.samples >= 30, `only ${c.samples} samples: the worker was not busy`);
  assert.ok(c.ratio >= 0.95, describe(c));
  assert.ok(c.meanDepth >= 8, describe(c));
  // Named from nginx's own symbols: the event loop and the HTTP phase engine are on the stacks.
  const names = new Set(stacks.flatMap((s) => s.frames.map((f) => f.name)));
  for (const f of ['main', 'ngx_process_events_and_timers', 'ngx_http_core_run_phases']) {
    assert.ok(names.has(f), `${f} is on some stack`);
  }
}, { timeout: 60_000 });
