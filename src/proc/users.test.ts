import assert from 'node:assert/strict';
import test from 'node:test';
import { parsePasswd, userName } from './users.js';

test('passwd parsing: first entry wins, comments and junk ignored', () => {
  const m = parsePasswd('# comment\nroot:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\nbroken\nweb:x:33:33::/var/www:/usr/sbin/nologin\nnoid:x::1::/:\n');
  assert.equal(m.get(0), 'root');
  assert.equal(m.get(33), 'web');
  assert.equal(m.size, 2);
});

test('userName falls back to the number', () => {
  assert.equal(userName(0), 'root');
  assert.equal(userName(2_000_000_123), '2000000123');
});
