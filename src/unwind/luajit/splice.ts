// Splicing Lua frames into a native stack. The native stack passes through the LuaJIT VM once per
// entry from C into Lua (lua_call, lua_pcall, lua_resume): there it shows interpreter frames (or
// JIT code), which say nothing to a person. The Lua walker recorded the Lua frames of each entry,
// separated by entry markers, innermost first. The k-th run of VM frames from the leaf is replaced
// by the k-th group of Lua frames.

interface SpliceFrame<N, L> {
  native?: N;
  lua?: L;
}

interface SpliceInput<N, L> {
  /** Native frames, leaf first. */
  native: readonly N[];
  /** Lua frame groups, innermost entry first; each group leaf first. */
  luaGroups: readonly (readonly L[])[];
  /** Does this native frame belong to the VM (interpreter or trace code)? */
  inVm: (n: N) => boolean;
  /**
   * A C function called from Lua appears twice: as a native frame above the VM run and as a frame
   * of the Lua group. Returns true when the Lua frame duplicates that native frame.
   */
  sameFunction?: (lua: L, native: N) => boolean;
}

export function splice<N, L>(input: SpliceInput<N, L>): SpliceFrame<N, L>[] {
  const { native, luaGroups, inVm, sameFunction } = input;
  const out: SpliceFrame<N, L>[] = [];
  let group = 0;
  let i = 0;
  while (i < native.length) {
    const n = native[i]!;
    if (!inVm(n)) {
      out.push({ native: n });
      i++;
      continue;
    }
    // A run of VM frames: its Lua frames stand in for it.
    let j = i;
    while (j < native.length && inVm(native[j]!)) j++;
    const lua = luaGroups[group];
    if (lua && lua.length > 0) {
      pushGroup(out, lua, sameFunction);
      // The walk of a trace may cover several entries' worth of native frames that unwinding could
      // not separate: when this is the outermost VM run, the remaining groups belong here too.
      if (!native.slice(j).some(inVm)) for (let g = group + 1; g < luaGroups.length; g++) pushGroup(out, luaGroups[g]!, sameFunction);
      group++;
    } else {
      for (let k = i; k < j; k++) out.push({ native: native[k]! });
      if (lua) group++;
    }
    i = j;
  }
  // Native unwinding stopped before reaching any VM frame (e.g. in JIT code without unwind info):
  // the Lua frames are still true, so put them below what native unwinding saw.
  if (group === 0) for (const g of luaGroups) pushGroup(out, g, sameFunction);
  return out;
}

function pushGroup<N, L>(out: SpliceFrame<N, L>[], lua: readonly L[], same?: (l: L, n: N) => boolean): void {
  const above = out[out.length - 1]?.native;
  lua.forEach((l, k) => {
    if (k === 0 && above !== undefined && same?.(l, above)) return;
    out.push({ lua: l });
  });
}
