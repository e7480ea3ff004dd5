// The LuaJIT VM of a live process: finding its global_State and checking that a build's layout
// really describes it. A layout that fails these checks is refused, never used.

import type { LuaJitLayout } from './layout.js';
import { GCMASK, type RemoteMemory } from './proto.js';

interface VmState {
  G: bigint;
  mainL: bigint;
  /** The coroutine currently running (or last run) in this VM. */
  curL: bigint;
  /** >= 0: number of the trace executing; negative: LuaJIT's vmstate (~0 interpreter, ~1 C, ...). */
  vmstate: number;
}

function u64(mem: RemoteMemory, addr: bigint): bigint | undefined {
  return mem.read(addr, 8)?.readBigUInt64LE(0);
}

/**
 * Reads the VM whose global_State is at G, checking the invariants of GG_State: the main thread
 * sits right before G, and both it and the current coroutine point back at G.
 */
export function readVm(mem: RemoteMemory, lay: LuaJitLayout, G: bigint): VmState | undefined {
  const mainL = u64(mem, G + BigInt(lay.G_mainthref));
  if (mainL === undefined || (mainL & GCMASK) + BigInt(lay.L_size) !== G) return undefined;
  if (u64(mem, (mainL & GCMASK) + BigInt(lay.L_glref)) !== G) return undefined;
  const curL = u64(mem, G + BigInt(lay.G_cur_L));
  if (curL === undefined) return undefined;
  if (curL !== 0n && ((u64(mem, (curL & GCMASK) + BigInt(lay.L_glref)) ?? 0n) & GCMASK) !== G) return undefined;
  const vm = mem.read(G + BigInt(lay.G_vmstate), 4);
  if (!vm) return undefined;
  return { G, mainL: mainL & GCMASK, curL: curL & GCMASK, vmstate: vm.readInt32LE(0) };
}

/** The global_State of the VM that owns the lua_State at L (validated), if any. */
export function vmOfState(mem: RemoteMemory, lay: LuaJitLayout, L: bigint): VmState | undefined {
  const G = u64(mem, L + BigInt(lay.L_glref));
  return G === undefined ? undefined : readVm(mem, lay, G & GCMASK);
}
