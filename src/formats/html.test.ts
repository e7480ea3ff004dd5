import assert from 'node:assert/strict';
import test from 'node:test';
import { ProfileBuilder } from '../model/builder.js';
import { readFolded } from './folded.js';
import { flameData } from './flamedata.js';
import { writeHtml } from './html.js';
import { VIEWER_SCRIPT } from './viewer.js';

const text = 'main;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90\nmain;epoll_wait;entry_SYSCALL_64_[k] 10\n';

function payload(html: string): ReturnType<typeof flameData> {
  const m = /<script type="application\/json" id="fluoro-data">([^<]*)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its data');
  return JSON.parse(m[1]!);
}

test('flame data is a string table and flat pre-order arrays merged by path', () => {
  const d = flameData(readFolded(text + 'main;epoll_wait;entry_SYSCALL_64_[k] 5\n'));
  assert.equal(d.total, 105);
  assert.equal(d.unit, 'count');
  const rows = d.n.map((ni, i) => `${'  '.repeat(d.d[i]!)}${d.names[ni]} ${d.kinds[d.k[i]!]!.name} ${d.v[i]}/${d.s[i]}`);
  assert.deepEqual(rows, [
    'all unknown 105/0',
    '  main native 105/0',
    '    epoll_wait native 15/0',
    '      entry_SYSCALL_64 kernel 15/15',
    '    handler @gw.lua:3 lua 90/0',
    '      gcd @balancer.lua:41 lua 90/90',
  ]);
});

test('the page is self-contained: inline style and script, no network', () => {
  const html = writeHtml(readFolded(text), { title: 'CPU of nginx' });
  assert.match(html, /<title>CPU of nginx<\/title>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.ok(!/\b(src|href)=/.test(html), 'nothing is loaded from anywhere');
  assert.ok(html.includes(VIEWER_SCRIPT), 'the reusable viewer is inlined');
  assert.equal(payload(html).total, 100);
  assert.ok(html.includes('id="search"') && html.includes('id="reset"') && html.includes('id="legend"'));
});

test('hostile names cannot break out of the data block and are bounded', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const hostile = ['</script><script>alert(1)</script>', `"quoted" & 'single' <b>`, 'ctl\x00\x1b[31m\x7fend', 'x'.repeat(10_240)];
  const main = b.frame('native', 'main');
  for (const h of hostile) b.add([b.frame('native', h), main], 1);
  const html = writeHtml(b.build(), { title: '<img src=x onerror=alert(1)>' });
  assert.equal(html.split('</script>').length - 1, 2, 'only our two script elements close');
  assert.ok(!html.includes('<script>alert'));
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(html), 'no control characters in the page');
  const names = payload(html).names;
  assert.ok(names.includes('</script><script>alert(1)</script>'), 'the name itself survives, escaped as JSON');
  assert.ok(names.includes('ctl\ufffd\ufffd[31m\ufffdend'));
  const long = names.find((n) => n.startsWith('xxx'))!;
  assert.equal(long.length, 512);
  assert.ok(long.endsWith('…'));
  assert.ok(html.length < 20_000, 'a 10 KB name does not reach the page whole');
});

test('the embedded viewer script is valid JavaScript', () => {
  assert.doesNotThrow(() => new Function(VIEWER_SCRIPT));
});
