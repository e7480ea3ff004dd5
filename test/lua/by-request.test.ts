// --by-request: each sample carries the URI of the request its coroutine serves, copied at the
// sample. Two locations run different Lua functions; neither may show up under the other's URI.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { profileCpu } from '../../src/collectors/cpu/profiler.js';
import { stackFrames } from '../../src/model/frames.js';
import { bpfTest } from '../support/bpf.js';
import { startNginx } from '../support/nginx.js';
import { startWrk } from '../support/wrk.js';

const ROUTES = `local _M = {}
function _M.alpha() local s = 0 for i = 1, 150000 do s = s + i % 7 end ngx.say(s) end
function _M.beta() local s = 0 for i = 1, 50000 do s = s + i % 5 end ngx.say(s) end
return _M
`;

bpfTest('--by-request splits samples by the URI of the request being served', async (t) => {
  const nginx = await startNginx(t, {
    lua: true,
    luaFiles: { 'routes.lua': ROUTES },
    server: `location /alpha { content_by_lua_block { require("routes").alpha() } }
             location /beta { content_by_lua_block { require("routes").beta() } }`,
  });
  startWrk(t, `${nginx.url}alpha`, 6, { connections: 2 });
  startWrk(t, `${nginx.url}beta`, 6, { connections: 2 });
  await sleep(500);
  const result = await profileCpu({
    pids: nginx.workers(), durationMs: 3000, hz: 499, kernel: false, perThread: false,
    byRequest: true,
  });
  const byUri = new Map<string, Map<string, number>>();
  for (const s of result.profile.samples) {
    const frames = stackFrames(s);
    const uri = String(s.labels.request ?? '');
    const fns = byUri.get(uri) ?? new Map<string, number>();
    for (const f of frames) if (f.kind === 'lua') fns.set(f.name.split(' @')[0]!, (fns.get(f.name.split(' @')[0]!) ?? 0) + s.values[0]!);
    byUri.set(uri, fns);
    if (uri) assert.equal(frames[0]!.name, `request ${uri}`, 'the request is the root frame');
  }
  t.diagnostic(JSON.stringify([...byUri].map(([u, m]) => [u, [...m]])));
  const alpha = byUri.get('/alpha');
  const beta = byUri.get('/beta');
  assert.ok(alpha && (alpha.get('alpha') ?? 0) > 50, 'alpha ran under /alpha');
  assert.ok(beta && (beta.get('beta') ?? 0) > 10, 'beta ran under /beta');
  assert.equal(alpha.get('beta'), undefined, 'no beta under /alpha');
  assert.equal(beta.get('alpha'), undefined, 'no alpha under /beta');
  assert.ok(alpha.get('alpha')! > beta.get('beta')!, 'the heavier route has more samples');
}, { timeout: 60_000 });
