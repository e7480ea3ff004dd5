import assert from 'node:assert/strict';
import test from 'node:test';
import { FluoroError, UsageError } from '../errors.js';
import { readFolded, writeFolded } from './folded.js';
import { FORMATS, formatByName, formatForPath, readAnyProfile } from './index.js';

const text = 'main;handler @gw.lua:3_[lua];gcd @balancer.lua:41_[lua] 90\nmain;epoll_wait;entry_SYSCALL_64_[k] 10\n';

test('formats are chosen by extension, longest match first', () => {
  const by = (p: string): string | undefined => formatForPath(p)?.name;
  assert.equal(by('out.folded'), 'folded');
  assert.equal(by('stacks.txt'), 'folded');
  assert.equal(by('cpu.pb.gz'), 'pprof');
  assert.equal(by('cpu.PPROF'), 'pprof');
  assert.equal(by('cpu.speedscope.json'), 'speedscope');
  assert.equal(by('flame.svg'), 'svg');
  assert.equal(by('flame.html'), 'html');
  assert.equal(by('data.json'), undefined);
  assert.equal(by('archive.gz'), undefined);
});

test('formatByName knows every format and refuses others as a usage error', () => {
  for (const n of ['folded', 'pprof', 'speedscope', 'svg', 'html']) assert.equal(formatByName(n).name, n);
  assert.throws(() => formatByName('png'), (e) => e instanceof UsageError && /folded, pprof|pprof, speedscope/.test(e.message));
});

test('every readable format is recognized by readAnyProfile after writing', async () => {
  const p = readFolded(text);
  for (const f of FORMATS.filter((x) => x.read)) {
    const out = await f.write(p);
    const buf = typeof out === 'string' ? Buffer.from(out) : out;
    assert.ok(f.sniff!(buf), `${f.name} sniffs its own output`);
    for (const other of FORMATS.filter((x) => x.sniff && x !== f)) assert.ok(!other.sniff!(buf), `${other.name} does not claim ${f.name}`);
    assert.equal(writeFolded(readAnyProfile(buf)), writeFolded(p), f.name);
  }
});

test('writers produce their kind of output', async () => {
  const p = readFolded(text);
  assert.match(String(await formatByName('svg').write(p, { title: 'T' })), /^<\?xml[\s\S]*<svg[\s\S]*>T<\/text>/);
  assert.match(String(await formatByName('html').write(p, { title: 'T' })), /^<!doctype html>[\s\S]*<title>T<\/title>/);
});

test('unknown content is refused with one sentence', () => {
  assert.throws(() => readAnyProfile(Buffer.from('\x00\x01binary')), (e) => e instanceof FluoroError && /not a profile fluoro can read/.test(e.message));
  assert.throws(() => readAnyProfile(Buffer.from('a;b 1\na;b\n')), /not a readable folded profile \(folded line 2/);
});
