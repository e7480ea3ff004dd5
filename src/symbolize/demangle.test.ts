import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demangle } from './demangle.js';

const fixture = fileURLToPath(new URL('../../../test/fixtures/demangle/itanium.tsv', import.meta.url));

function agreement(pairs: [string, string][]): { ok: number; misses: string[] } {
  const misses: string[] = [];
  let ok = 0;
  for (const [mangled, want] of pairs) {
    const got = demangle(mangled);
    if (got === want) ok++;
    else if (misses.length < 10) misses.push(`${mangled}\n  got  ${got}\n  want ${want}`);
  }
  return { ok, misses };
}

test('agrees with c++filt on the committed sample of real symbols', (t) => {
  const pairs = readFileSync(fixture, 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t') as [string, string]);
  assert.ok(pairs.length >= 300, `sample has ${pairs.length} names`);
  const { ok, misses } = agreement(pairs);
  t.diagnostic(`${ok}/${pairs.length} agree (${((100 * ok) / pairs.length).toFixed(2)}%)`);
  assert.ok(ok >= 0.98 * pairs.length, `only ${ok}/${pairs.length} agree:\n${misses.join('\n')}`);
});

test('agrees with c++filt on libstdc++ live', (t) => {
  const lib = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
  if (!existsSync('/usr/bin/c++filt') || !existsSync(lib)) return t.skip('c++filt or libstdc++ not installed');
  const names = [...new Set(execFileSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8', maxBuffer: 1 << 26 })
    .split('\n').map((l) => (l.split(' ')[2] ?? '').replace(/@.*/, '')).filter((n) => n.startsWith('_Z')))];
  const want = execFileSync('c++filt', { input: `${names.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
  const { ok, misses } = agreement(names.map((n, i) => [n, want[i]!]));
  t.diagnostic(`libstdc++: ${ok}/${names.length} agree (${((100 * ok) / names.length).toFixed(2)}%)`);
  assert.ok(names.length > 1000);
  assert.ok(ok >= 0.98 * names.length, misses.join('\n'));
});

test('C++ forms people meet in profiles', () => {
  const cases: [string, string][] = [
    ['_ZN2ns6WidgetIiE4spinEi', 'ns::Widget<int>::spin(int)'],
    ['_ZNK2ns6WidgetIiE4sizeEv', 'ns::Widget<int>::size() const'],
    ['_Z5sleepv.constprop.0.isra.0', 'sleep() [clone .constprop.0] [clone .isra.0]'],
    ['_ZN3fooC2Ev.cold', 'foo::foo() [clone .cold]'],
    ['_ZNSsD1Ev', 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >::~basic_string()'],
    ['_ZTV1A', 'vtable for A'],
    ['_ZTI1A', 'typeinfo for A'],
    ['_ZThn8_N1D1fEv', 'non-virtual thunk to D::f()'],
    ['_ZGVZ4mainE5count', 'guard variable for main::count'],
    ['_ZZ4mainENKUlvE_clEv', 'main::{lambda()#1}::operator()() const'],
    ['_ZN12_GLOBAL__N_13fooEv', '(anonymous namespace)::foo()'],
    ['_Z1fPFivE', 'f(int (*)())'],
    ['_Z3maxIiET_S0_S0_', 'int max<int>(int, int)'],
    ['_Znwm', 'operator new(unsigned long)'],
    ['_ZN1AcviEv', 'A::operator int()'],
  ];
  for (const [m, want] of cases) assert.equal(demangle(m), want, m);
});

test('Rust legacy and v0 names', () => {
  assert.equal(demangle('_ZN4core3fmt5write17h0123456789abcdefE'), 'core::fmt::write');
  assert.equal(demangle('_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h1234567890abcdefE'),
    'core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>');
  const legacy = (...parts: string[]) => `_ZN${parts.map((p) => `${p.length}${p}`).join('')}17h0123456789abcdefE`;
  assert.equal(demangle(legacy('_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$', 'drop')),
    '<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop');
  assert.equal(demangle('_RNvCs1234_5crate3foo'), 'crate::foo');
  assert.equal(demangle('_RNvNtCs1234_5crate6module4spin'), 'crate::module::spin');
  assert.equal(demangle('_RNvMNtCs1234_5crate1aNtB2_6Widget4spin'), '<crate::a::Widget>::spin');
  assert.equal(demangle('_RINvCs1234_5crate4spinmE'), 'crate::spin::<u32>');
});

test('anything else comes back unchanged, quickly, without throwing', () => {
  const hostile = [
    '', 'main', '_Z', '_ZN', '_ZNE', '_Z3fo', '_Z999999999999999foo', '_ZN3fooE.', '_R', '_RNv',
    `_Z1f${'P'.repeat(100_000)}i`, `_Z1f${'N1a'.repeat(5000)}E`, `_Z1f${'S_'.repeat(10_000)}`,
    '_Z1fIT_EvT_', '_ZN1AIT_EE', '_Z1fIJT_EEvDpT_', `_Z${'ZZ'.repeat(3000)}`, '_RB_', '_RNvB_3foo',
    '_ZN3foo17hzzzzzzzzzzzzzzzzE', '_ZN5$LT$a17h0123456789abcdefE',
  ];
  const t0 = Date.now();
  for (const h of hostile) {
    const got = demangle(h);
    assert.equal(typeof got, 'string');
    if (h.length > 1000) assert.equal(got, h);
  }
  assert.equal(demangle('plain_c_function'), 'plain_c_function');
  assert.equal(demangle('_Z3fooX'), '_Z3fooX');
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});
