// fluoro cpu on Debian's redis-server under redis-benchmark: the event loop's stacks are complete
// and named (redis-server is a link to redis-check-rdb; the names come from its dynamic symbols).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { bpfTest } from '../support/bpf.js';
import { runFluoro } from './cli.js';
import { completeness, describe, parseFolded, userFrames } from './folded-stacks.js';
import { freePort, requireProgram, spawnOwned, tempDir, waitFor } from './processes.js';

const REDIS = '/usr/bin/redis-server';
const BENCHMARK = '/usr/bin/redis-benchmark';

bpfTest('redis-server under redis-benchmark: stacks are complete and named', async (t) => {
  requireProgram(REDIS);
  requireProgram(BENCHMARK);
  const dir = tempDir(t, 'fluoro-redis-');
  const port = await freePort();
  const server = spawnOwned(t, REDIS, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    '--dir', dir, '--loglevel', 'warning',
  ]);
  await waitFor('redis to accept connections', () => {
    if (server.exitCode !== null) throw new Error(`redis-server exited with ${server.exitCode}`);
    return accepts(port);
  });
  spawnOwned(t, BENCHMARK, ['-h', '127.0.0.1', '-p', String(port), '-q', '-c', '8', '-n', '50000000', '-t', 'set,get,incr,lpush']);
  await new Promise((r) => setTimeout(r, 300));

  const out = join(dir, 'out.folded');
  const r = await runFluoro(t, ['cpu', '-p', String(server.pid), '-d', '3s', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const stacks = parseFolded(readFileSync(out, 'utf8'));
  const all = completeness(stacks);
  const eventLoop = completeness(stacks, (s) => {
    const user = userFrames(s);
    return user[0] === '_start' && user.includes('main') && user.includes('aeMain');
  });
  const names = new Set(stacks.flatMap((s) => userFrames(s)));
  const commandPath = ['processCommand', 'readQueryFromClient', 'writeToClient', 'call'].filter((f) => names.has(f));
  t.diagnostic(`redis-server: ${describe(all)}; through aeMain: ${describe(eventLoop)}; named: ${commandPath.join(', ')}`);
  assert.ok(all.samples >= 20, `only ${all.samples} samples`);
  assert.ok(all.ratio >= 0.9, describe(all));
  assert.ok(eventLoop.ratio >= 0.8, describe(eventLoop));
  assert.ok(commandPath.length >= 2, `redis's request path is named: ${[...names].join(' ')}`);
}, { timeout: 60_000 });

function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}
