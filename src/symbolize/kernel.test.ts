import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { ExitCode } from '../errors.js';
import { KernelSymbols, KernelSymbolsUnavailableError, kernelSymbols } from './kernel.js';

const crafted = [
  'ffffffff81000000 T _text',
  'ffffffff81000000 t _stext_alias',
  'ffffffff81001000 T do_one',
  'ffffffff81000800 t early_helper',
  'ffffffff81002000 D some_data',
  'ffffffff81003000 T _etext',
  'ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]',
  'ffffffffc0400000 t mod_fn\t[e1000]',
  'broken line',
].join('\n');

test('crafted kallsyms: sorted, aliases merged, data skipped, modules named, ends respected', () => {
  const k = KernelSymbols.parse(crafted);
  assert.equal(k.size, 6);
  assert.equal(k.lookup(0xffffffff80ffffffn), undefined, 'below the first symbol');
  assert.deepEqual(k.lookup(0xffffffff81000010n), { name: '_text', address: 0xffffffff81000000n, offset: 0x10n });
  assert.equal(k.lookup(0xffffffff81000800n)?.name, 'early_helper', 'input order does not matter');
  assert.equal(k.lookup(0xffffffff81002100n)?.name, 'do_one', 'a data symbol does not take code addresses');
  assert.equal(k.lookup(0xffffffff81003004n), undefined, 'past the end of kernel text');
  assert.deepEqual(k.lookup(0xffffffffc0400040n), { name: 'mod_fn', module: 'e1000', address: 0xffffffffc0400000n, offset: 0x40n });
  assert.equal(k.lookup(0xffffffffc0201001n)?.module, '__builtin__ftrace');
});

test('zeroed addresses (kptr_restrict) are reported as unavailable, not resolved', () => {
  const hidden = crafted.replace(/^[0-9a-f]{16}/gm, '0000000000000000');
  assert.throws(
    () => KernelSymbols.parse(hidden),
    (e: unknown) => e instanceof KernelSymbolsUnavailableError && e.exitCode === ExitCode.unsupported && /kptr_restrict/.test(e.message),
  );
  assert.throws(() => KernelSymbols.parse(''), KernelSymbolsUnavailableError);
});

test('the real kernel: known symbols resolve from their own address + 1', (t) => {
  const text = readFileSync('/proc/kallsyms', 'latin1');
  if (/^0{16} /.test(text)) {
    assert.throws(() => kernelSymbols(), KernelSymbolsUnavailableError);
    return;
  }
  const k = kernelSymbols();
  assert.equal(kernelSymbols(), k, 'loaded once');
  assert.ok(k.size > 1000);
  let checked = 0;
  for (const name of ['schedule', 'do_sys_openat2', 'vfs_read', 'ksys_write']) {
    const m = new RegExp(`^([0-9a-f]+) [Tt] ${name}$`, 'm').exec(text);
    if (!m) continue;
    const addr = BigInt('0x' + m[1]);
    const sym = k.lookup(addr + 1n);
    assert.equal(sym?.address, addr, name);
    assert.equal(sym?.offset, 1n);
    assert.equal(k.name(addr + 1n), name);
    checked++;
  }
  assert.ok(checked >= 2, `found ${checked} well-known symbols`);
  const mod = /^([0-9a-f]+) [tT] (\S+)\t\[(\S+)\]$/m.exec(text);
  if (mod) {
    const sym = k.lookup(BigInt('0x' + mod[1]));
    assert.equal(sym?.module, mod[3]);
  } else {
    t.diagnostic('no module symbols on this kernel');
  }
});
