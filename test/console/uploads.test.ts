// Uploads from outside: a body that is not a fluoro profile document (stray bytes, gzip, a pprof
// file, JSON of the wrong shape, indexes that point nowhere, sizes no profile has) is a 400 with one
// sentence, nothing of it is stored, and the console goes on serving; a good document is stored.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test, type TestContext } from 'node:test';
import { LocalAgent } from '../../src/agent/local.js';
import { createConsole, type ConsoleServer } from '../../src/console/server.js';
import { RunStore } from '../../src/console/store/store.js';
import { writePprof } from '../../src/formats/pprof.js';
import { ProfileBuilder } from '../../src/model/builder.js';
import { toDocument, type ProfileDocument } from '../../src/model/serialize.js';

const TOKEN = 'upload-test-token-0123456789abcdef';

function consoleFor(t: TestContext): ConsoleServer {
  const store = RunStore.open(':memory:');
  const server = createConsole({ agent: new LocalAgent(), store, token: TOKEN });
  t.after(async () => {
    await server.close();
    store.close();
  });
  return server;
}

async function post(server: ConsoleServer, payload: string | Buffer, contentType = 'application/json') {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/uploads',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    payload,
  });
  return { status: res.statusCode, json: res.json() as { id?: number; error?: string } };
}

/** Two sample types, a mapping, an inlined frame and labels: every part a document can have. */
function goodProfile() {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }, { type: 'cpu', unit: 'nanoseconds' }], {
    timeNanos: 1_700_000_000_000_000_000n, durationNanos: 2_000_000_000n, periodType: { type: 'cpu', unit: 'nanoseconds' }, period: 10_101_010, comments: ['uploaded'],
  });
  const nginx = b.mapping({ start: 0x5600_0000_0000n, limit: 0x5600_0010_0000n, file: '/usr/sbin/nginx', buildId: 'ab12' });
  const main = b.location({ kind: 'native', address: 0x5600_0000_1234n, mapping: nginx, lines: [{ func: b.func({ name: 'main', file: 'nginx.c' }), line: 40 }] });
  const work = b.location({ kind: 'native', address: 0x5600_0000_2000n, mapping: nginx, lines: [
    { func: b.func({ name: 'inlined_step' }), line: 7 }, { func: b.func({ name: 'work', systemName: '_Z4workv' }), line: 12 },
  ] });
  const lua = b.frame('lua', 'gcd', '/srv/balancer.lua', 10);
  b.add([work, main], [3, 30_000_000], { tid: 7 });
  b.add([lua, work, main], [2, 20_000_000], { uri: '/api' });
  return b.build();
}

const good = (): ProfileDocument => toDocument(goodProfile());
/** The good document with one change. */
const changed = (change: (d: any) => void): string => {
  const d: any = structuredClone(good());
  change(d);
  return JSON.stringify({ profile: d });
};

const ONE_SENTENCE = /^[^\n]{10,300}$/;

test('bodies that are not a profile document are a 400 with one sentence, and none is stored', async (t) => {
  const server = consoleFor(t);
  const goodBody = JSON.stringify({ profile: good() });
  const pprof = await writePprof(goodProfile());
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['stray bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 0xff]), 'application/octet-stream', /must be a fluoro profile document in JSON/],
    ['stray bytes said to be JSON', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 0xff]), 'application/json', /not valid JSON/],
    ['a gzipped document', gzipSync(goodBody), 'application/gzip', /must be a fluoro profile document in JSON/],
    ['a truncated gzipped document', gzipSync(goodBody).subarray(0, 20), 'application/gzip', /must be a fluoro profile document in JSON/],
    ['a truncated gzip said to be JSON', gzipSync(goodBody).subarray(0, 20), 'application/json', /not valid JSON/],
    ['a pprof file', pprof, 'application/octet-stream', /must be a fluoro profile document in JSON/],
    ['truncated JSON', goodBody.slice(0, goodBody.length / 2), 'application/json', /JSON/],
    ['a JSON array', '[1, 2]', 'application/json', /must be a JSON object/],
    ['a profile that is a number', '{"profile": 5}', 'application/json', /not a fluoro profile document/],
    ['no version', changed((d) => delete d.version), 'application/json', /bad profile version/],
    ['a version from the future', changed((d) => (d.version = 1e300)), 'application/json', /newer than this fluoro understands/],
    ['no sample types', changed((d) => (d.sampleTypes = [])), 'application/json', /sampleTypes must be a list of at least one/],
    ['sample types not a list', changed((d) => (d.sampleTypes = 'samples')), 'application/json', /sampleTypes must be an array/],
    ['a sample type without a unit', changed((d) => delete d.sampleTypes[1].unit), 'application/json', /sampleTypes\[1\]\.unit must be a string/],
    ['samples not a list', changed((d) => (d.samples = { length: 1e9 })), 'application/json', /samples must be an array/],
    ['a sample without values', changed((d) => delete d.samples[0].values), 'application/json', /samples\[0\]\.values must be an array/],
    ['fewer values than sample types', changed((d) => d.samples[1].values.pop()), 'application/json', /samples\[1\]\.values must be a list of 2 values/],
    ['a value that is text', changed((d) => (d.samples[0].values[0] = '3')), 'application/json', /samples\[0\]\.values\[0\] must be a number/],
    ['a negative value', changed((d) => (d.samples[0].values[1] = -5)), 'application/json', /samples\[0\]\.values\[1\] must be a number from 0/],
    ['a value too large to add up', changed((d) => (d.samples[0].values[0] = 1e308)), 'application/json', /samples\[0\]\.values\[0\] must be a number from 0 to 2\^53/],
    ['labels that are a list', changed((d) => (d.samples[0].labels = ['tid'])), 'application/json', /samples\[0\]\.labels must be an object/],
    ['a label that is an object', changed((d) => (d.samples[0].labels.tid = { x: 1 })), 'application/json', /samples\[0\]\.labels\.tid must be a string or a number/],
    ['a sample naming a missing location', changed((d) => d.samples[0].stack.push(999)), 'application/json', /sample names missing location 999/],
    ['a location naming a missing function', changed((d) => (d.locations[0].lines[0][0] = 999)), 'application/json', /location 1 names missing function 999/],
    ['a location naming a missing mapping', changed((d) => (d.locations[0].mapping = 999)), 'application/json', /location 1 names missing mapping 999/],
    ['a line that is not a pair', changed((d) => d.locations[1].lines[0].push(5)), 'application/json', /locations\[1\]\.lines\[0\] must be a \[function id, line\] pair/],
    ['lines that are a number', changed((d) => (d.locations[0].lines = 3)), 'application/json', /locations\[0\]\.lines must be an array/],
    ['an unknown frame kind', changed((d) => (d.locations[0].kind = 'cobol')), 'application/json', /unknown frame kind "cobol"/],
    ['two locations with one id', changed((d) => (d.locations[1].id = d.locations[0].id)), 'application/json', /locations\[1\] repeats id 1/],
    ['a function id of zero', changed((d) => (d.functions[0].id = 0)), 'application/json', /functions\[0\]\.id must be a positive whole number/],
    ['a function name that is a number', changed((d) => (d.functions[0].name = 5)), 'application/json', /functions\[0\]\.name must be a string/],
    ['a default sample type out of range', changed((d) => (d.defaultSampleType = 2)), 'application/json', /defaultSampleType must be the index of one of the 2 sample types/],
    ['a time past 64 bits', changed((d) => (d.timeNanos = '1' + '0'.repeat(30))), 'application/json', /timeNanos must be a decimal string/],
    ['a duration that is not a number', changed((d) => (d.durationNanos = 'soon')), 'application/json', /durationNanos must be a decimal string/],
    ['an address past 64 bits', changed((d) => (d.locations[0].address = '18446744073709551616')), 'application/json', /locations\[0\]\.address must be a decimal string/],
    ['a mapping start that is a number', changed((d) => (d.mappings[0].start = 5)), 'application/json', /mappings\[0\]\.start must be a decimal string/],
    ['a period that is text', changed((d) => (d.period = '10')), 'application/json', /period must be a number/],
    ['a period of infinity', changed((d) => (d.period = 7)).replace('"period":7', '"period":1e999'), 'application/json', /period must be a number from 0 to 2\^53/],
    ['comments that are text', changed((d) => (d.comments = 'uploaded')), 'application/json', /comments must be an array/],
    ['a period type that is a number', changed((d) => (d.periodType = 5)), 'application/json', /periodType must be an object/],
  ];
  for (const [what, body, type, message] of cases) {
    const r = await post(server, body, type);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error ?? '', message, what);
    assert.match(r.json.error ?? '', ONE_SENTENCE, what);
  }
  const runs = await server.app.inject({ method: 'GET', url: '/api/runs', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(runs.statusCode, 200);
  assert.deepEqual(runs.json().runs, [], 'nothing of a refused upload is stored');
});

test('a good document is stored as sent; each of its fields made wrong is a 400, never a 500', async (t) => {
  const server = consoleFor(t);
  const up = await post(server, JSON.stringify({ profile: good(), meta: { pid: 7, command: 'nginx: worker' } }));
  assert.equal(up.status, 201, JSON.stringify(up.json));
  const back = await server.app.inject({ method: 'GET', url: `/api/runs/${up.json.id}/profile`, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.deepEqual(back.json(), good(), 'the stored profile is the one sent');

  // Every field of the document (every leaf and every list or object on the way), in turn, given a
  // value of each wrong kind. Some replacements are still a valid document (a name that is another
  // string); none may be a 500.
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(good(), []);
  const wrong: unknown[] = [null, -1, 0.5, 1e300, '', 'x', '-1', [], [0], {}, { id: 1 }, true];
  let refused = 0;
  for (const path of paths.slice(1)) {
    for (const value of wrong) {
      const body = changed((d) => {
        let at = d;
        for (const k of path.slice(0, -1)) at = at[k];
        at[path[path.length - 1]!] = value;
      });
      const r = await post(server, body);
      assert.ok(r.status === 400 || r.status === 201, `${path.join('.')} = ${JSON.stringify(value)}: ${r.status} ${JSON.stringify(r.json)}`);
      if (r.status === 400) {
        refused++;
        assert.match(r.json.error ?? '', ONE_SENTENCE);
      }
    }
  }
  t.diagnostic(`${paths.length - 1} fields × ${wrong.length} wrong values: ${refused} refused`);
  assert.ok(refused > paths.length * 5, `most wrong values are refused (${refused})`);
  const info = await server.app.inject({ method: 'GET', url: '/api/info', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(info.statusCode, 200, 'the console still serves');
});
