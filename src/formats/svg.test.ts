import assert from 'node:assert/strict';
import test from 'node:test';
import { ProfileBuilder } from '../model/builder.js';
import { readFolded } from './folded.js';
import { frameColour } from './palette.js';
import { writeSvg } from './svg.js';

const text = 'main;ngx_http_lua_content_handler;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90\nmain;epoll_wait;entry_SYSCALL_64_[k] 10\n';

function rects(svg: string): { title: string; width: number }[] {
  return [...svg.matchAll(/<g class="f"><title>([^<]*)<\/title><rect x="[\d.]+" y="\d+" width="([\d.]+)"/g)].map((m) => ({
    title: m[1]!,
    width: Number(m[2]),
  }));
}

test('widths are proportional to value and tooltips give value and share', () => {
  const svg = writeSvg(readFolded(text), { width: 1020, title: 'CPU' });
  const r = rects(svg);
  assert.equal(r.length, 7);
  const gcd = r.find((x) => x.title.startsWith('gcd @balancer.lua:41'))!;
  assert.equal(gcd.title, 'gcd @balancer.lua:41 (Lua)\n90 samples, 90.00%');
  assert.ok(Math.abs(gcd.width - 0.9 * 1000) < 1);
  const k = r.find((x) => x.title.startsWith('entry_SYSCALL_64'))!;
  assert.ok(Math.abs(k.width - 100) < 1);
  assert.match(svg, /<text class="t"[^>]*>CPU<\/text>/);
  assert.ok(svg.includes(`fill="${frameColour('kernel', 'entry_SYSCALL_64')}"`), 'kernel frames take the kernel colour');
  assert.ok(svg.includes('>native (C/C++)</text>') && svg.includes('>Lua</text>') && svg.includes('>kernel</text>'), 'legend');
  assert.ok(!svg.includes('<script'), 'static: no script');
});

test('labels are cut to fit their frame', () => {
  const long = 'a_really_long_function_name_that_cannot_fit_anywhere_narrow';
  const svg = writeSvg(readFolded(`main;${long} 1\nmain;other 99\n`), { width: 420 });
  assert.ok(!svg.includes(`>${long}</text>`));
  assert.ok(svg.includes('>other</text>'));
});

test('frames narrower than a tenth of a pixel are omitted', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const main = b.frame('native', 'main');
  b.add([b.frame('native', 'hot'), main], 1_000_000);
  for (let i = 0; i < 5000; i++) b.add([b.frame('native', `cold${i}`), main], 1);
  const svg = writeSvg(b.build(), { width: 1200 });
  assert.equal(rects(svg).length, 3, 'all, main, hot');
  assert.ok(svg.length < 5000, `svg is ${svg.length} bytes`);
});

test('hostile names are escaped and bounded in the SVG', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const main = b.frame('native', 'main');
  const hostile = ['<script>alert(1)</script>', `"q" & 'a'`, 'ctl\x00\x1b[31m\x7fend', 'y'.repeat(10_240)];
  for (const h of hostile) b.add([b.frame('native', h), main], 25);
  const svg = writeSvg(b.build(), { title: '<script>t</script>' });
  assert.ok(!svg.includes('<script'), 'no element can be injected');
  assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt; (native (C/C++))'));
  assert.ok(svg.includes('&quot;q&quot; &amp; &apos;a&apos;'));
  assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(svg), 'no control characters: the SVG stays valid XML');
  assert.ok(svg.includes('ctl\ufffd\ufffd[31m\ufffdend'));
  assert.ok(!svg.includes('y'.repeat(513)), 'a 10 KB name is cut');
  assert.ok(svg.includes('y'.repeat(511) + '…'));
});
