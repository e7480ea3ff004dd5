import assert from 'node:assert/strict';
import test from 'node:test';
import { FRAME_KINDS } from '../model/profile.js';
import { PALETTE, frameColour, paletteTable, shadeColour } from './palette.js';

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

test('every kind has a colour and the table follows FRAME_KINDS', () => {
  assert.equal(paletteTable().length, FRAME_KINDS.length);
  for (const k of FRAME_KINDS) assert.match(frameColour(k, 'f'), /^#[0-9a-f]{6}$/);
});

test('shades are stable per name and stay near the kind hue', () => {
  assert.equal(frameColour('lua', 'gcd'), frameColour('lua', 'gcd'));
  assert.notEqual(frameColour('lua', 'gcd'), frameColour('lua', 'handler'));
  for (const k of ['kernel', 'native', 'lua'] as const) {
    for (const name of ['a', 'epoll_wait', 'gcd @balancer.lua:41']) {
      const d = Math.abs(hue(frameColour(k, name)) - PALETTE[k].h);
      assert.ok(Math.min(d, 360 - d) <= 8, `${k} ${name} hue drifted by ${d}`);
    }
  }
});

test('shadeColour source is self-contained so the viewer can embed it', () => {
  const rebuilt = new Function(`return (${shadeColour.toString()})`)() as typeof shadeColour;
  assert.equal(rebuilt(122, 48, 55, 'x'), shadeColour(122, 48, 55, 'x'));
});
