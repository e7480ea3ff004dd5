// A Lua backtrace as data: the frames of one snapshot of a running Lua VM, innermost first,
// with the variables of each frame described for people, and how many snapshots showed exactly
// these frames. The LuaJIT unwinder and the backtrace collector produce it; the analysis, the
// agent and the commands read it. Types only: nothing here knows how a process is read.

export type LuaType = 'nil' | 'boolean' | 'number' | 'string' | 'table' | 'function' | 'thread' | 'userdata' | 'cdata' | 'lightuserdata' | 'proto' | 'upvalue' | 'trace';

export interface LuaValue {
  type: LuaType;
  /** How fluoro shows it: `"0"`, `42`, `table 0x7f… {array 3, hash 2: "weight", "host"}`. */
  text: string;
  /** Strings: their real length in bytes, which `text` may show only part of. */
  length?: number;
}

export interface LuaVariable extends LuaValue {
  name: string;
}

export interface LuaBacktraceFrame {
  kind: 'lua' | 'builtin' | 'c' | 'unknown';
  name: string;
  file: string;
  line: number;
  /** The frame runs in a JIT trace: its slots may lag behind the registers. */
  inTrace: boolean;
  locals?: LuaVariable[];
  upvalues?: LuaVariable[];
}

export interface LuaBacktrace {
  frames: LuaBacktraceFrame[];
  /** Snapshots that showed exactly these frames. */
  count: number;
}
