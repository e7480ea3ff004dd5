// LuaJIT backtraces with the values of variables (what `fluoro lua-bt` shows): each sample's walk,
// named frame by frame, with the locals read from the slots the BPF walker copied in the instant of
// the sample, and the upvalues read through the frame's function when asked.

import type { BpfObject } from '../../bpf/object.js';
import { NotSupportedError } from '../../errors.js';
import type { LuaBacktraceFrame, LuaVariable } from '../../model/lua-backtrace.js';
import type { RawSample } from '../sample.js';
import type { Snapshots } from '../runtime.js';
import { LjFrameKind, LjStatus, LJ_PROC_SLOTS } from './layout.js';
import { varsAt } from './proto.js';
import { processMemory } from './remote-memory.js';
import { publishLuaProcess, type LuaProcess } from './runtime.js';
import { ValueReader } from './values.js';

const FRAME_LIMIT = 64;
const GC_MASK = (1n << 47n) - 1n;

export function luaSnapshots(p: LuaProcess): Snapshots {
  if (p.G === 0n) throw new NotSupportedError(`cannot find the LuaJIT VM's state in process ${p.pid}'s memory`);
  const values = new ValueReader(processMemory(p.pid), p.binary.build, (addr) => p.modules.symbol(addr)?.name);

  /** Upvalues are read now, through the function in the frame's copied function slot. */
  const upvaluesOf = (fnSlot: bigint, names: readonly string[]): LuaVariable[] => {
    const mem = processMemory(p.pid);
    const fn = fnSlot & GC_MASK;
    const uv = names.length ? mem.read(fn + BigInt(p.binary.build.layout.fn_cfunc), 8 * names.length) : undefined;
    return names.map((name, i) => {
      const ref = uv ? uv.readBigUInt64LE(8 * i) & GC_MASK : 0n;
      const v = ref ? mem.read(ref + 0x20n, 8) : undefined;
      if (!v) return { name, type: 'nil', text: '(unreadable)' };
      const value = mem.read(v.readBigUInt64LE(0) & GC_MASK, 8);
      return { name, ...(value ? values.describe(value.readBigUInt64LE(0)) : { type: 'nil' as const, text: '(unreadable)' }) };
    });
  };

  return {
    build: p.binary.build.name,
    publish: (obj: BpfObject) => publishLuaProcess(obj, p, LJ_PROC_SLOTS),
    read(raw: RawSample, o) {
      const walk = raw.lua;
      if ((walk.status !== LjStatus.ok && walk.status !== LjStatus.truncated) || walk.frames.length === 0) return undefined;
      const out: LuaBacktraceFrame[] = [];
      walk.frames.slice(0, FRAME_LIMIT).forEach((f, i) => {
        if (f.kind === LjFrameKind.entry) return;
        if (f.kind === LjFrameKind.c) {
          const sym = p.modules.symbol(f.ptr);
          out.push({ kind: 'c', name: sym?.name ?? `0x${f.ptr.toString(16)}`, file: '', line: 0, inTrace: false });
          return;
        }
        const info = p.namer.name(walk.frames, i);
        const frame: LuaBacktraceFrame = {
          kind: info.kind === 'lua' ? 'lua' : info.kind === 'lua-builtin' ? 'builtin' : 'unknown',
          name: info.name,
          file: info.file,
          line: info.line,
          inTrace: i === 0 && walk.vmstate >= 0,
        };
        const proto = f.kind === LjFrameKind.lua ? p.namer.protos.get(f.ptr) : undefined;
        const slots = f.slots > 0 ? walk.slots[f.slots - 1] : undefined;
        if (proto && slots && (o.locals || o.upvalues)) {
          // The variables live at this position name the frame's first slots, in order; the
          // bytecode guarantees they lie inside the frame, and only the copied slots are shown.
          if (o.locals) {
            const live = f.pc === 0xffffffff ? [] : varsAt(proto, f.pc);
            frame.locals = live.slice(0, slots.length - 2).map((v, s) => ({ name: v.name, ...values.describe(slots[s + 2]!) }));
          }
          if (o.upvalues) frame.upvalues = upvaluesOf(slots[0]!, proto.upvalueNames);
        }
        out.push(frame);
      });
      return out;
    },
  };
}
