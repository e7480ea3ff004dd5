import assert from 'node:assert/strict';
import test from 'node:test';
import { cValues } from '../../../test/support/c-layout.js';
import { LJ_URI_MAX, LjSectionLayout } from './section.js';
import { LAYOUT_FIELDS, LJ_FRAME_SIZE, LJ_MAX_FRAMES, LJ_PROC_SIZE, LJ_PROC_SLOTS, LJ_PROC_URI_OFF, LJ_SLOTS, LJ_SLOT_FRAMES, LjFrameKind, LjStatus, OPENRESTY_2_1_20230119_GC64, encodeProc } from './layout.js';

test('layout.ts matches bpf/include/luajit.h', () => {
  const expected: [string, number][] = [
    ['sizeof(struct lj_proc)', LJ_PROC_SIZE],
    ['sizeof(struct lj_frame)', LJ_FRAME_SIZE],
    ['LJ_MAX_FRAMES', LJ_MAX_FRAMES],
    ['offsetof(struct lj_proc, interp_start)', 0],
    ['offsetof(struct lj_proc, interp_end)', 8],
    ['offsetof(struct lj_proc, G)', 16],
    ['offsetof(struct lj_proc, vm_tid)', 24],
    ['offsetof(struct lj_proc, lay)', 32],
    ['sizeof(struct lj_layout)', LAYOUT_FIELDS.length * 2],
    ...LAYOUT_FIELDS.map((f, i): [string, number] => [`offsetof(struct lj_layout, ${f})`, i * 2]),
    ['offsetof(struct lj_frame, ptr)', 0],
    ['offsetof(struct lj_frame, base)', 8],
    ['offsetof(struct lj_frame, pc)', 16],
    ['offsetof(struct lj_frame, kind)', 20],
    ['offsetof(struct lj_frame, slots)', 21],
    ['offsetof(struct lj_proc, flags)', 28],
    ['offsetof(struct lj_proc, uri_off)', LJ_PROC_URI_OFF],
    ['LJ_SLOTS', LJ_SLOTS],
    ['LJ_SLOT_FRAMES', LJ_SLOT_FRAMES],
    ['LJ_PROC_SLOTS', LJ_PROC_SLOTS],
    ['sizeof(struct lj_slots)', LJ_SLOTS * LJ_SLOT_FRAMES * 8],
    ['LJ_FRAME_LUA', LjFrameKind.lua],
    ['LJ_FRAME_C', LjFrameKind.c],
    ['LJ_FRAME_FAST', LjFrameKind.fast],
    ['LJ_FRAME_ENTRY', LjFrameKind.entry],
    ['LJ_FRAME_BAD', LjFrameKind.bad],
    ['sizeof(struct lj_section)', LjSectionLayout.size],
    ...Object.entries(LjSectionLayout).filter(([k]) => k !== 'size').map(([k, v]): [string, number] =>
      [`offsetof(struct lj_section, ${k === 'L' ? 'L' : k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())})`, v]),
    ['LJ_URI_MAX', LJ_URI_MAX],
    ['LJ_STATUS_NONE', LjStatus.none],
    ['LJ_STATUS_OK', LjStatus.ok],
    ['LJ_STATUS_IDLE', LjStatus.idle],
    ['LJ_STATUS_NO_G', LjStatus.noG],
    ['LJ_STATUS_READ_FAIL', LjStatus.readFail],
    ['LJ_STATUS_TRUNCATED', LjStatus.truncated],
  ];
  const actual = cValues('luajit.h', expected.map(([e]) => e));
  for (const [expr, value] of expected) assert.equal(actual.get(expr), value, `${expr} in luajit.h vs layout.ts`);
});

test('the walker map value carries the layout in header order', () => {
  const lay = OPENRESTY_2_1_20230119_GC64.layout;
  const b = encodeProc({ interpStart: 0x1000n, interpEnd: 0x2000n, G: 0xabcn, vmTid: 7, layout: lay });
  assert.equal(b.length, LJ_PROC_SIZE);
  assert.equal(b.readBigUInt64LE(16), 0xabcn);
  assert.equal(b.readUInt16LE(32 + 2 * LAYOUT_FIELDS.indexOf('G_cur_L')), 0x170);
  assert.equal(b.readUInt16LE(32 + 2 * LAYOUT_FIELDS.indexOf('dispatch')), 0xfa8);
});
