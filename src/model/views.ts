// The language views of a mixed profile: `c` keeps the machine-code frames, `lua` the Lua ones
// (the "Lua-land" flame graph). Samples left without frames keep their weight under one frame
// that says so, so every view has the same total.

import type { FrameKind, Profile } from './profile.js';
import { keepKinds } from './transform.js';

export type View = 'mixed' | 'c' | 'lua';
export const VIEWS: readonly View[] = ['mixed', 'c', 'lua'];

const KINDS: Record<Exclude<View, 'mixed'>, { kinds: ReadonlySet<FrameKind>; empty: string }> = {
  c: { kinds: new Set<FrameKind>(['native', 'kernel', 'jit', 'unknown', 'group']), empty: '[no native frames]' },
  lua: { kinds: new Set<FrameKind>(['lua', 'lua-builtin', 'group']), empty: '[no Lua frames]' },
};

export function view(p: Profile, v: View): Profile {
  return v === 'mixed' ? p : keepKinds(p, KINDS[v].kinds, KINDS[v].empty);
}
