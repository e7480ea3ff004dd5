// The contract of a runtime plugin (LuaJIT now; Python, PHP, Perl next). A plugin detects itself
// cheaply from a process's files, and when it can walk its own frames it attaches to a process: it
// checks the build (refusing one it does not know, by name), publishes what its BPF walker needs in
// the walker's maps, and rewrites each sample's native frames with its own frames spliced in. The
// collectors drive every plugin in the registry (registry.ts) the same way.

import type { BpfObject } from '../bpf/object.js';
import type { ProfileBuilder } from '../model/builder.js';
import type { LuaBacktraceFrame as BacktraceFrame } from '../model/lua-backtrace.js';
import type { Location } from '../model/profile.js';
import type { ExeRef, RuntimeMatch, RuntimeName } from './detect.js';
import type { Mapping } from '../proc/maps.js';
import type { UnwindEnd } from './native.js';
import type { ProcessModules } from './process-modules.js';
import type { RawSample } from './sample.js';

/** A stack frame before symbolization. */
export type RawFrame =
  | { kind: 'kernel'; addr: bigint }
  /** A user address; `call` means a return address (symbolize at addr - 1). */
  | { kind: 'user'; addr: bigint; call: boolean }
  /** A frame a runtime plugin already understood (a Lua function, a builtin, …): its key and payload. */
  | { kind: 'runtime'; runtime: RuntimeName; key: string; frame: unknown };

interface Rewritten {
  frames: RawFrame[];
  end: UnwindEnd;
  /** Labels for the sample (e.g. the request's URI). */
  labels?: Record<string, string>;
}

/** A runtime's view of a sample: rewrites the native frames (e.g. splices Lua frames in). */
export interface StackRewriter {
  /** May also finish an unwind the native unwinder could not (through JIT code, say). */
  rewrite(raw: RawSample, user: RawFrame[], end: UnwindEnd): Rewritten;
}

/** Backtraces with the values of variables, one per sample, for the backtrace command. */
export interface Snapshots {
  /** The runtime's build, as people know it. */
  readonly build: string;
  /** Tells the BPF walker about the process, asking it to copy each frame's variables. */
  publish(obj: BpfObject): void;
  /** The backtrace in a sample, innermost first; undefined when the sample ran none of its code. */
  read(raw: RawSample, o: { locals: boolean; upvalues: boolean }): BacktraceFrame[] | undefined;
}

/** A runtime in one process. */
export interface RuntimeProcess extends StackRewriter {
  readonly runtime: RuntimeName;
  /** Tells the BPF walker about the process; called again whenever what it knows changes. */
  publish(obj: BpfObject): void;
  /**
   * Backtraces with variables, for runtimes that can take them; throws NotSupportedError when
   * this process's runtime cannot be read that way.
   */
  snapshots?(): Snapshots;
}

interface AttachOptions {
  /** Label samples with the request each one served (nginx + Lua). */
  byRequest: boolean;
  /** Problems met along the way, for the summary. */
  warnings: string[];
  /** Called when the process learned something its walker should know (publish again). */
  changed(p: RuntimeProcess): void;
}

/** The part of a plugin that walks its own frames in samples. */
export interface RuntimeSampling {
  /**
   * The runtime in a process, or undefined when the process does not run it. Throws
   * NotSupportedError for a build fluoro cannot read safely.
   */
  attach(pid: number, modules: ProcessModules, o: AttachOptions): RuntimeProcess | undefined;
  /** One of its frames (as its rewriter made them) as a profile location. */
  location(b: ProfileBuilder, frame: unknown): Location;
}

export interface RuntimePlugin {
  readonly name: RuntimeName;
  /** Cheap: file names, and at most section headers. */
  detect(maps: readonly Mapping[], exe: ExeRef | undefined): RuntimeMatch | undefined;
  /** Absent while only its native frames are shown. */
  readonly sampling?: RuntimeSampling;
}
