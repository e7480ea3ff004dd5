// The collector contract: a collector declared in one file (tally-collector.ts) appears as the
// command line's flags, in the console's form (/api/info), in the API's checks and in the OpenAPI
// description, with the same defaults and the same limits everywhere, and its runs get the same
// values whichever way they were asked for.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { Command } from 'commander';
import { LocalAgent } from '../../src/agent/local.js';
import { registerCollector } from '../../src/cli/collector-command.js';
import { collectorInfo } from '../../src/collectors/collector.js';
import type { ParamSpec } from '../../src/collectors/params.js';
import { createConsole } from '../../src/console/server.js';
import { RunStore } from '../../src/console/store/store.js';
import { UsageError } from '../../src/errors.js';
import { lastRun, tallyCollector } from './tally-collector.js';

const TOKEN = 'contract-test-token-0123456789abcdef';
const defaults = Object.fromEntries(tallyCollector.params.map((p) => [p.name, p.default]));

function cli(): Command {
  const program = new Command('fluoro').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerCollector(program, tallyCollector, { present: () => {}, progress: () => false });
  return program;
}

async function runCli(...args: string[]): Promise<Record<string, unknown>> {
  delete lastRun.params;
  await cli().parseAsync(['tally', ...args], { from: 'user' });
  return lastRun.params!;
}

async function sleeper(t: TestContext): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await once(child, 'spawn');
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

function consoleFor(t: TestContext) {
  const store = RunStore.open(':memory:');
  const server = createConsole({ agent: new LocalAgent([tallyCollector]), store, token: TOKEN });
  t.after(async () => {
    await server.close();
    store.close();
  });
  return async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await server.app.inject({
      method, url,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, json: res.json() };
  };
}

test('the parameters become flags, with their ranges and defaults in the help', () => {
  const cmd = cli().commands.find((c) => c.name() === 'tally')!;
  assert.deepEqual(cmd.options.map((o) => o.long), ['--pid', '--window', '--count', '--step', '--loud', '--no-loud']);
  const help = cmd.helpInformation();
  assert.match(help, /-w, --window <time>\s+how long to count \(200 ms to 90 s; default 1\.5s\)/);
  assert.match(help, /--count <n>\s+how far to count \(3 to 40 ticks; default 7\)/);
  assert.match(help, /--step <which>\s+how to step \(one of one, two; default one\)/);
});

test('a command-line run gets the declared defaults, and the flags it was given', async (t) => {
  const pid = await sleeper(t);
  assert.deepEqual(await runCli('-p', String(pid)), defaults);
  assert.deepEqual(lastRun.pids, [pid]);
  assert.deepEqual(await runCli('-p', String(pid), '-w', '2s', '--count', '40', '--step', 'two', '--no-loud'), { windowMs: 2000, count: 40, step: 'two', loud: false });
});

test('the command line refuses values out of the declared range, naming the flag', async (t) => {
  const pid = String(await sleeper(t));
  const refused = async (args: string[], message: RegExp) => {
    await assert.rejects(runCli('-p', pid, ...args), (err: unknown) => err instanceof UsageError && message.test(err.message));
  };
  await refused(['--count', '41'], /^--count must be between 3 and 40, not 41$/);
  await refused(['--count', '2'], /^--count must be between 3 and 40, not 2$/);
  await refused(['-w', '100ms'], /^--window must be between 200 ms and 90 s, not 100 ms$/);
  await refused(['--step', 'three'], /^--step must be one or two, not "three"$/);
  await assert.rejects(cli().parseAsync(['tally'], { from: 'user' }), /give the process with -p PID/);
});

test('the console serves the same fields, checks the same limits and runs with the same defaults', async (t) => {
  const call = consoleFor(t);
  const info = await call('GET', '/api/info');
  assert.equal(info.status, 200);
  assert.deepEqual(info.json.analyses, [JSON.parse(JSON.stringify(collectorInfo(tallyCollector)))]);
  const served = info.json.analyses[0].params as ParamSpec[];
  assert.deepEqual(served.map((p) => [p.name, p.default]), tallyCollector.params.map((p) => [p.name, p.default]));
  assert.ok(served.every((p) => !('flag' in p)), 'the flag is the command line\'s business');

  const pid = await sleeper(t);
  const tooMany = await call('POST', '/api/runs', { kind: 'tally', pid, params: { count: 41 } });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.json.error, 'count must be between 3 and 40, not 41');
  const tooShort = await call('POST', '/api/runs', { kind: 'tally', pid, params: { windowMs: 100 } });
  assert.equal(tooShort.status, 400);
  assert.equal(tooShort.json.error, 'windowMs must be between 200 and 90000, not 100');

  const started = await call('POST', '/api/runs', { kind: 'tally', pid });
  assert.equal(started.status, 202);
  assert.deepEqual(started.json.settings, defaults);
  let run = started.json;
  for (let i = 0; i < 100 && run.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    run = (await call('GET', `/api/runs/${run.id}`)).json;
  }
  assert.equal(run.status, 'done', JSON.stringify(run));
  assert.deepEqual(lastRun.params, defaults);
});

test('the OpenAPI description has the collector\'s parameters with the same defaults and limits', async (t) => {
  const call = consoleFor(t);
  const doc = (await call('GET', '/api/openapi.json')).json;
  const schemas = doc.components.schemas;
  assert.deepEqual(schemas.RunRequest.discriminator, { propertyName: 'kind', mapping: { tally: '#/components/schemas/RunRequestTally' } });
  assert.deepEqual(schemas.RunRequestTally.properties.kind.enum, ['tally']);
  assert.equal(schemas.RunRequestTally.properties.params.$ref, '#/components/schemas/TallyParams');
  const props = schemas.TallyParams.properties;
  assert.equal(schemas.TallyParams.additionalProperties, false);
  for (const p of tallyCollector.params) {
    const s = props[p.name];
    assert.equal(s.default, p.default, p.name);
    if (p.type === 'integer' || p.type === 'duration') {
      assert.equal(s.type, 'integer');
      assert.equal(s.minimum, p.min, p.name);
      assert.equal(s.maximum, p.max, p.name);
    }
    if (p.type === 'choice') assert.deepEqual(s.enum, p.choices.map((c) => c.value));
    if (p.type === 'boolean') assert.equal(s.type, 'boolean');
  }
  assert.deepEqual(Object.keys(props), tallyCollector.params.map((p) => p.name));
});
