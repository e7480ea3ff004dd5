// Naming the Lua frames the BPF walker recorded, while the process is alive: prototypes give the
// chunk and line, the caller's bytecode gives the function's name, the build's table names the
// fast functions. Results are cached per (prototype, position); prototypes are re-validated.

import type { LuaRawFrame } from '../sample.js';
import { calleeName } from './funcname.js';
import { LjFrameKind, type LuaJitBuild } from './layout.js';
import { ProtoCache, lineAt, type ProtoInfo, type RemoteMemory } from './proto.js';
import { ffnames } from './vmdef-2.1.js';

export interface LuaFrameInfo {
  kind: 'lua' | 'lua-builtin' | 'unknown';
  name: string;
  /** Chunk name for Lua functions, '' otherwise. */
  file: string;
  /** Current line, 0 when unknown. */
  line: number;
  /** Line where the function is defined (its identity together with the chunk). */
  startLine: number;
}

const UNKNOWN_PC = 0xffffffff;

export class LuaFrameNamer {
  readonly protos: ProtoCache;
  private readonly names = new Map<string, string>();

  constructor(
    readonly memory: RemoteMemory,
    private readonly build: LuaJitBuild,
  ) {
    this.protos = new ProtoCache(memory, build.proto, build.layout.proto_size);
  }

  /** Frame i of a walk (leaf first); the frame below it, if Lua, is its caller. */
  name(frames: readonly LuaRawFrame[], i: number): LuaFrameInfo {
    const f = frames[i]!;
    if (f.kind === LjFrameKind.fast) {
      return { kind: 'lua-builtin', name: ffnames[f.pc] ?? `builtin#${f.pc}`, file: '', line: 0, startLine: 0 };
    }
    if (f.kind !== LjFrameKind.lua) return { kind: 'unknown', name: '[unreadable Lua frame]', file: '', line: 0, startLine: 0 };
    const p = this.protos.get(f.ptr);
    if (!p) return { kind: 'unknown', name: '[freed Lua function]', file: '', line: 0, startLine: 0 };
    const line = f.pc === UNKNOWN_PC ? 0 : lineAt(p, f.pc);
    return { kind: 'lua', name: this.functionName(p, frames[i + 1]), file: p.chunk, line, startLine: p.firstLine };
  }

  /** The function's name as its caller called it, or a stable description when it cannot say. */
  private functionName(p: ProtoInfo, caller: LuaRawFrame | undefined): string {
    if (p.firstLine === 0) return 'main chunk';
    if (caller?.kind === LjFrameKind.lua && caller.pc !== UNKNOWN_PC) {
      const key = `${caller.ptr}:${caller.pc}`;
      let name = this.names.get(key);
      if (name === undefined) {
        const cp = this.protos.get(caller.ptr);
        const n = cp ? calleeName(this.memory, this.build.proto, cp, caller.pc) : undefined;
        name = n ? (n.kind === 'method' ? `:${n.name}` : n.name) : '';
        if (this.names.size > 100_000) this.names.clear();
        this.names.set(key, name);
      }
      if (name) return name;
    }
    return `function@${p.firstLine}`;
  }
}
