import assert from 'node:assert/strict';
import test from 'node:test';
import { boundName, escapeHtml, escapeXml, jsonForScript } from './escape.js';

test('escapeXml and escapeHtml neutralize markup and quotes', () => {
  const evil = `</script><script>alert("x" & 'y')</script>`;
  assert.equal(escapeXml(evil), '&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;');
  assert.equal(escapeHtml(evil), '&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  assert.equal(escapeXml('plain_name'), 'plain_name');
});

test('boundName replaces control, bidi and lone surrogate characters', () => {
  assert.equal(boundName('a\x00b\x1b[31mc\x7fd\x85e'), 'a\ufffdb\ufffd[31mc\ufffdd\ufffde');
  assert.equal(boundName('x\u202ey'), 'x\ufffdy');
  assert.equal(boundName('p\ud800q'), 'p\ufffdq');
  assert.equal(boundName('ok 😀'), 'ok 😀', 'valid pairs are kept');
});

test('boundName cuts long names with an ellipsis and never splits a pair', () => {
  const long = 'x'.repeat(10_000);
  const b = boundName(long);
  assert.equal(b.length, 512);
  assert.ok(b.endsWith('…'));
  assert.equal(boundName('abcdef', 4), 'abc…');
  assert.equal(boundName('abcd', 4), 'abcd');
  const cut = boundName('ab😀cd', 4);
  assert.equal(cut, 'ab…');
});

test('jsonForScript cannot close the script element and still parses', () => {
  const v = { n: ['</script><script>alert(1)</script>', '<!-- & \u2028'] };
  const s = jsonForScript(v);
  assert.ok(!s.includes('<') && !s.includes('>') && !s.includes('&') && !s.includes('\u2028'));
  assert.deepEqual(JSON.parse(s), v);
});
