// The line-number state machine on a hand-made DWARF 4 program, and the DWARF readers on damaged
// and random input: they must return (something or nothing) quickly and never throw.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DwarfSections } from './dwarf-forms.js';
import { DwarfInfo } from './dwarf-info.js';
import { parseLineProgram } from './dwarf-line.js';
import { ElfFile } from './elf.js';

function lineProgramV4(): Buffer {
  const header = Buffer.concat([
    Buffer.from([1, 1, 1, 0xfb, 14, 13]), // min_inst, max_ops, default_is_stmt, line_base -5, line_range, opcode_base
    Buffer.from([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]), // standard opcode lengths
    Buffer.from('dir\0\0a.c\0\x01\0\0\0', 'latin1'), // include_directories, file_names
  ]);
  const addr = Buffer.alloc(8);
  addr.writeBigUInt64LE(0x1000n);
  const program = Buffer.concat([
    Buffer.from([0, 9, 2]), addr, // DW_LNE_set_address 0x1000
    Buffer.from([13 + 6]), // special: address +0, line +1 → row 0x1000 line 2
    Buffer.from([13 + (2 + 5) + 14 * 4]), // special: address +4, line +2 → row 0x1004 line 4
    Buffer.from([0x02, 4]), // DW_LNS_advance_pc 4
    Buffer.from([0, 1, 1]), // DW_LNE_end_sequence at 0x1008
  ]);
  const body = Buffer.alloc(2 + 4);
  body.writeUInt16LE(4, 0);
  body.writeUInt32LE(header.length, 2);
  const unit = Buffer.concat([body, header, program]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(unit.length);
  return Buffer.concat([len, unit]);
}

test('DWARF 4 line program: special opcodes, advance_pc and end_sequence make the table', () => {
  const s = DwarfSections.fromBuffers({ '.debug_line': lineProgramV4() });
  const { table, problem } = parseLineProgram(s, 0, '/comp', 'a.c');
  assert.equal(problem, undefined);
  assert.deepEqual(table.lookup(0x1000), { file: '/comp/dir/a.c', line: 2 });
  assert.deepEqual(table.lookup(0x1003), { file: '/comp/dir/a.c', line: 2 });
  assert.deepEqual(table.lookup(0x1007), { file: '/comp/dir/a.c', line: 4 });
  assert.equal(table.lookup(0x1008), undefined);
  assert.equal(table.lookup(0xfff), undefined);
  // Truncated anywhere: whatever came before the damage, and the damage named.
  const full = lineProgramV4();
  for (let n = 0; n < full.length; n++) {
    const r = parseLineProgram(DwarfSections.fromBuffers({ '.debug_line': full.subarray(0, n) }), 0);
    assert.ok(r.problem !== undefined);
    assert.equal(r.table.lookup(0x1004), undefined); // the sequence never ended
  }
});

/** A deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

const NAMES = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_str', '.debug_line_str', '.debug_rnglists'];

test('damaged and random DWARF: lookups return quickly and never throw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-dwarf-fuzz-'));
  try {
    const fixture = fileURLToPath(new URL('../../../test/fixtures/native/inlines.c', import.meta.url));
    const prog = join(dir, 'prog');
    execFileSync('cc', ['-O2', '-g', '-o', prog, fixture]);
    const real = new DwarfSections(ElfFile.open(prog));
    const sections = Object.fromEntries(NAMES.map((n) => [n, real.get(n) ?? Buffer.alloc(0)]));
    const text = ElfFile.open(prog).section('.text')!;
    const addrs = Array.from({ length: 64 }, (_, i) => text.addr + Math.floor((i * text.size) / 64));
    const random = rng(0xf100);
    const t0 = Date.now();
    for (let round = 0; round < 300; round++) {
      const mutated: Record<string, Buffer> = {};
      for (const [name, data] of Object.entries(sections)) {
        let b = Buffer.from(data);
        if (round % 3 === 0) for (let k = 0; k < 1 + random() * 8; k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
        if (round % 3 === 1) b = b.subarray(0, Math.floor(random() * b.length));
        if (round % 3 === 2) b = Buffer.from(Array.from({ length: Math.floor(random() * 4096) }, () => Math.floor(random() * 256)));
        mutated[name] = b;
      }
      const s = DwarfSections.fromBuffers(mutated);
      const info = new DwarfInfo(s);
      for (const a of addrs) {
        const f = info.frames(a);
        assert.ok(f === undefined || Array.isArray(f));
        info.line(a);
      }
      parseLineProgram(s, Math.floor(random() * 64));
    }
    assert.ok(Date.now() - t0 < 20_000, `fuzzing took ${Date.now() - t0} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
