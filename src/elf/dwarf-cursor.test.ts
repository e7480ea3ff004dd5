import assert from 'node:assert/strict';
import test from 'node:test';
import { DW_EH_PE, DwarfCursor, DwarfRangeError } from './dwarf-cursor.js';

const bases = { section: 0x1000, text: 0x2000, data: 0x3000, func: 0x4000 };

function ptr(bytes: number[], enc: number, at = 0) {
  const c = new DwarfCursor(Buffer.from(bytes), at);
  const p = c.pointer(enc, bases);
  return { value: p?.value, indirect: p?.indirect, pos: c.pos };
}

test('LEB128: unsigned, signed, and refusal of endless encodings', () => {
  assert.equal(new DwarfCursor(Buffer.from([0xe5, 0x8e, 0x26])).uleb(), 624485);
  assert.equal(new DwarfCursor(Buffer.from([0xc0, 0xbb, 0x78])).sleb(), -123456);
  assert.equal(new DwarfCursor(Buffer.from([0x78])).sleb(), -8);
  assert.equal(new DwarfCursor(Buffer.from([0x7f])).uleb(), 127);
  assert.throws(() => new DwarfCursor(Buffer.alloc(20, 0x80)).uleb(), DwarfRangeError);
  assert.throws(() => new DwarfCursor(Buffer.from([0x80, 0x80])).uleb(), DwarfRangeError, 'unterminated');
});

test('pointer formats', () => {
  assert.deepEqual(ptr([0x34, 0x12], DW_EH_PE.udata2), { value: 0x1234, indirect: false, pos: 2 });
  assert.equal(ptr([0x78, 0x56, 0x34, 0x12], DW_EH_PE.udata4).value, 0x12345678);
  assert.equal(ptr([1, 2, 3, 4, 5, 6, 0, 0], DW_EH_PE.udata8).value, 0x060504030201);
  assert.equal(ptr([1, 2, 3, 4, 5, 6, 0, 0], DW_EH_PE.absptr).value, 0x060504030201);
  assert.equal(ptr([0xe5, 0x8e, 0x26], DW_EH_PE.uleb128).value, 624485);
  // Signed formats without a base would be negative addresses; with pcrel they are offsets back.
  assert.equal(ptr([0xf0, 0xff], DW_EH_PE.sdata2 | DW_EH_PE.pcrel).value, 0x1000 - 16);
  assert.equal(ptr([0xfc, 0xff, 0xff, 0xff], DW_EH_PE.sdata4 | DW_EH_PE.pcrel).value, 0x1000 - 4);
  assert.equal(ptr([0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], DW_EH_PE.sdata8 | DW_EH_PE.pcrel).value, 0x1000 - 8);
  assert.equal(ptr([0x70], DW_EH_PE.sleb128 | DW_EH_PE.pcrel).value, 0x1000 - 16);
  assert.throws(() => ptr([0xfc, 0xff, 0xff, 0xff], DW_EH_PE.sdata4), DwarfRangeError, 'a negative absolute address');
});

test('pointer applications: pcrel is relative to the field, not the section start', () => {
  assert.equal(ptr([0, 0, 0, 0, 0x10, 0, 0, 0], DW_EH_PE.sdata4 | DW_EH_PE.pcrel, 4).value, 0x1000 + 4 + 0x10);
  assert.equal(ptr([0x10, 0, 0, 0], DW_EH_PE.udata4 | DW_EH_PE.textrel).value, 0x2010);
  assert.equal(ptr([0x10, 0, 0, 0], DW_EH_PE.sdata4 | DW_EH_PE.datarel).value, 0x3010);
  assert.equal(ptr([0x10, 0, 0, 0], DW_EH_PE.udata4 | DW_EH_PE.funcrel).value, 0x4010);
  const ind = ptr([0x10, 0, 0, 0], DW_EH_PE.sdata4 | DW_EH_PE.pcrel | DW_EH_PE.indirect);
  assert.deepEqual([ind.value, ind.indirect], [0x1010, true]);
  // aligned: skip to the next 8-byte boundary of the address, then an absolute pointer.
  const al = ptr([0xaa, 0, 0, 0, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0], DW_EH_PE.aligned, 1);
  assert.deepEqual([al.value, al.pos], [0x11223344, 16]);
  assert.equal(new DwarfCursor(Buffer.alloc(4)).pointer(DW_EH_PE.omit, bases), undefined);
});

test('bad encodings and short data throw DwarfRangeError', () => {
  assert.throws(() => ptr([0, 0, 0, 0], 0x05), DwarfRangeError);
  assert.throws(() => ptr([0, 0, 0, 0], 0x63), DwarfRangeError);
  assert.throws(() => ptr([0, 0], DW_EH_PE.udata4), DwarfRangeError);
  assert.throws(() => new DwarfCursor(Buffer.from([0x10, 0, 0, 0])).pointer(DW_EH_PE.udata4 | DW_EH_PE.datarel, { section: 0 }), /no base/);
});
