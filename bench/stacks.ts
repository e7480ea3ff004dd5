// The common shape every profiler's output is parsed into, and the measures taken on it:
// how many stacks reach the thread's root, how deep they are, and how many carry Lua frames.

export type FrameKind = 'user' | 'kernel' | 'lua';

export interface Frame {
  name: string;
  kind: FrameKind;
}

/** One distinct stack and how many samples had it. Frames are root first. */
export interface Stack {
  frames: Frame[];
  count: number;
}

/** Functions a thread's stack starts in: reaching one means the unwinder got to the bottom. */
const ROOTS = new Set(['_start', '__libc_start_main', '__libc_start_call_main', 'main', 'clone', 'clone3', 'start_thread']);

/** The bare function name: no offset (`+0x1f`, `+31`), no symbol version (`@@GLIBC_2.34`). */
export function bareName(name: string): string {
  return name.replace(/\+(0x)?[0-9a-f]+$/i, '').replace(/@@?[A-Za-z0-9_.]+$/, '');
}

export function isRootFrame(name: string): boolean {
  return ROOTS.has(bareName(name));
}

/** A native frame that belongs to the LuaJIT VM or to the code nginx uses to enter it. */
export function isLuaVmFrame(f: Frame): boolean {
  if (f.kind === 'lua') return true;
  if (f.kind !== 'user') return false;
  const n = bareName(f.name);
  return /^(lj_|lua_|luaL_|luaJIT_|ngx_http_lua_)/.test(n) || /libluajit/.test(n);
}

export interface StackMeasures {
  samples: number;
  /** Samples whose user stack reaches a root function. */
  complete: number;
  /** Mean number of user frames (native and language) per sample. */
  meanDepth: number;
  /** Samples whose stack shows they ran in the Lua VM. */
  luaVmSamples: number;
  /** Of those, samples that carry at least one Lua frame. */
  luaFrameSamples: number;
}

export function measureStacks(stacks: Iterable<Stack>): StackMeasures {
  let samples = 0;
  let complete = 0;
  let depth = 0;
  let luaVm = 0;
  let luaFrames = 0;
  for (const s of stacks) {
    const user = s.frames.filter((f) => f.kind !== 'kernel');
    samples += s.count;
    depth += user.length * s.count;
    // The root is the outermost native frame (Lua frames sit above native ones, never below).
    const outer = user.find((f) => f.kind === 'user');
    if (outer && isRootFrame(outer.name)) complete += s.count;
    const hasLua = user.some((f) => f.kind === 'lua');
    if (hasLua || user.some(isLuaVmFrame)) luaVm += s.count;
    if (hasLua) luaFrames += s.count;
  }
  return { samples, complete, meanDepth: samples ? depth / samples : 0, luaVmSamples: luaVm, luaFrameSamples: luaFrames };
}
