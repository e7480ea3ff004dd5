// The event core's attach strategies on a real process: a tp_btf tracepoint, a uprobe and a
// uretprobe at a file offset, attached through attachAll() as a collector's session does, count
// exactly the events a fixture program makes.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject } from '../../src/bpf/object.js';
import { u32Key } from '../../src/bpf/map.js';
import { bpfObjectPath } from '../../src/bpf/paths.js';
import { attachAll } from '../../src/collectors/events/attach.js';
import { ElfFile } from '../../src/elf/elf.js';
import { bpfTest } from '../support/bpf.js';
import { spawnOwned, tempDir } from '../cpu/processes.js';

const CALLS = 200;

const SOURCE = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) int tick(int i) { __asm__ volatile(""); return i + 1; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]), sum = 0;
  char go;
  puts("ready"); fflush(stdout);
  if (read(0, &go, 1) != 1) return 1;
  for (int i = 0; i < n; i++) { sum += tick(i); usleep(500); }
  printf("done %d\\n", sum); fflush(stdout);
  pause();
  return 0;
}
`;

/** The file offset of a function: its address, through the PT_LOAD segment that holds it. */
function fileOffsetOf(path: string, name: string): number {
  const line = execFileSync('nm', [path], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith(` T ${name}`));
  assert.ok(line, `${name} is in ${path}`);
  const vaddr = parseInt(line.split(' ')[0]!, 16);
  const seg = ElfFile.open(path).loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz);
  assert.ok(seg, 'a load segment holds it');
  return vaddr - seg.vaddr + seg.offset;
}

async function line(stream: NodeJS.ReadableStream, want: RegExp): Promise<string> {
  let text = '';
  while (!want.test(text)) text += String((await once(stream, 'data'))[0]);
  return text;
}

bpfTest('tp_btf, uprobe and uretprobe strategies count one process\'s events exactly', async (t) => {
  const dir = tempDir(t, 'fluoro-attach-');
  writeFileSync(join(dir, 'ticker.c'), SOURCE);
  const exe = join(dir, 'ticker');
  execFileSync('cc', ['-O1', '-o', exe, join(dir, 'ticker.c')]);
  const child = spawnOwned(t, exe, [String(CALLS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await line(child.stdout!, /ready/);

  const obj = BpfObject.open(bpfObjectPath('attach-probe'), { rodata: { target_tgid: child.pid! } });
  t.after(() => obj.close());
  obj.load();
  const offset = fileOffsetOf(exe, 'tick');
  const links = attachAll(obj, [
    { kind: 'auto', program: 'count_switches' },
    { kind: 'uprobe', program: 'count_calls', path: exe, offset, pid: child.pid! },
    { kind: 'uprobe', program: 'count_returns', path: exe, offset, pid: child.pid!, ret: true },
  ]);
  assert.equal(links.length, 3);
  child.stdin!.write('g');
  assert.match(await line(child.stdout!, /done \d+/), new RegExp(`done ${(CALLS * (CALLS + 1)) / 2}`));
  for (const link of links) link.close();

  const counts = obj.map('probe_counts');
  const read = (i: number) => counts.lookup(u32Key(i))!.readBigUInt64LE(0);
  assert.equal(read(1), BigInt(CALLS), 'one uprobe hit per call');
  assert.equal(read(2), BigInt(CALLS), 'one uretprobe hit per return');
  assert.ok(read(0) >= BigInt(CALLS), `each usleep switches the process out (${read(0)} switches for ${CALLS} sleeps)`);
});

bpfTest('a strategy that cannot attach detaches what was attached and says where', async (t) => {
  const obj = BpfObject.open(bpfObjectPath('attach-probe'), { rodata: { target_tgid: 1 } });
  t.after(() => obj.close());
  obj.load();
  assert.throws(
    () => attachAll(obj, [
      { kind: 'auto', program: 'count_switches' },
      { kind: 'uprobe', program: 'count_calls', path: '/nonexistent/fluoro-binary', offset: 0x1000 },
    ]),
    /attaching BPF program count_calls as a uprobe at \/nonexistent\/fluoro-binary\+0x1000/,
  );
});
