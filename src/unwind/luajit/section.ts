// LuaJIT's section of a CPU record (struct lj_section in bpf/include/luajit.h, tagged
// CPU_SECTION_LUAJIT): the walk's state, its frames, the slots it copied and the request's URI.
// The record decoder hands the section's bytes here; layout.test.ts checks the offsets against the
// header.

import type { LuaRawFrame, LuaWalk } from '../sample.js';
import { LJ_FRAME_SIZE, LJ_MAX_FRAMES, LJ_SLOTS, LJ_SLOT_FRAMES, LjStatus } from './layout.js';

/** Byte offsets in struct lj_section, and its size. */
export const LjSectionLayout = {
  L: 0, cframe: 8, top: 16, vmstate: 24, frames: 28, status: 30, slotFrames: 31, request: 32, uriLen: 40, size: 48,
} as const;

/** Bytes of the request's URI a section carries at most (LJ_URI_MAX). */
export const LJ_URI_MAX = 96;

/** The walk of a sample that met no LuaJIT VM fluoro was told about. */
export const NO_LUA_WALK: LuaWalk = Object.freeze({
  status: LjStatus.none, L: 0n, cframe: 0n, vmstate: 0, frames: [], top: 0n, slots: [], request: 0n, uri: undefined,
}) as LuaWalk;

/** Decodes a section's body; undefined when its sizes disagree with its length or the limits. */
export function decodeLuaSection(body: Uint8Array): LuaWalk | undefined {
  const S = LjSectionLayout;
  if (body.length < S.size) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const frames = view.getUint16(S.frames, true);
  const slotFrames = view.getUint8(S.slotFrames);
  const uriLen = view.getUint16(S.uriLen, true);
  if (frames > LJ_MAX_FRAMES || slotFrames > LJ_SLOT_FRAMES || uriLen > LJ_URI_MAX) return undefined;
  const slotsAt = S.size + frames * LJ_FRAME_SIZE;
  const uriAt = slotsAt + slotFrames * LJ_SLOTS * 8;
  if (uriAt + uriLen !== body.length) return undefined;
  return {
    status: view.getUint8(S.status),
    L: view.getBigUint64(S.L, true),
    cframe: view.getBigUint64(S.cframe, true),
    vmstate: view.getInt32(S.vmstate, true),
    frames: readFrames(view, S.size, frames),
    top: view.getBigUint64(S.top, true),
    slots: readSlots(view, slotsAt, slotFrames),
    request: view.getBigUint64(S.request, true),
    uri: uriLen > 0 ? Buffer.from(body.subarray(uriAt, uriAt + uriLen)).toString('latin1') : undefined,
  };
}

function readFrames(view: DataView, at: number, count: number): LuaRawFrame[] {
  const out: LuaRawFrame[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + i * LJ_FRAME_SIZE;
    out.push({
      ptr: view.getBigUint64(o, true),
      base: view.getBigUint64(o + 8, true),
      pc: view.getUint32(o + 16, true),
      kind: view.getUint8(o + 20),
      slots: view.getUint8(o + 21),
    });
  }
  return out;
}

function readSlots(view: DataView, at: number, frames: number): bigint[][] {
  const out: bigint[][] = [];
  for (let f = 0; f < frames; f++) {
    const slots: bigint[] = [];
    for (let i = 0; i < LJ_SLOTS; i++) slots.push(view.getBigUint64(at + (f * LJ_SLOTS + i) * 8, true));
    out.push(slots);
  }
  return out;
}
