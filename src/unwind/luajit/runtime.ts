// LuaJIT as a runtime plugin (src/unwind/runtime.ts): finds the VM in each process, tells the BPF
// walker about it, and turns each sample's walk into Lua frames spliced into the native stack.

import type { BpfObject } from '../../bpf/object.js';
import { BPF_ANY, u32Key } from '../../bpf/map.js';
import type { RawSample } from '../sample.js';
import { openMappedFile } from '../../proc/files.js';
import { isFileBacked } from '../../proc/maps.js';
import { unwind, type UnwindEnd } from '../native.js';
import type { ProcessModules } from '../process-modules.js';
import { luajitDetector } from '../detect.js';
import type { RawFrame, RuntimePlugin, RuntimeProcess, RuntimeSampling, Snapshots } from '../runtime.js';
import { luaSnapshots } from './snapshots.js';
import { detectLuaJit, type LuaJitBinary } from './detect.js';
import { findVms } from './find-vm.js';
import { findUriOffset } from './nginx-request.js';
import { LuaFrameNamer, type LuaFrameInfo } from './frames.js';
import { LjFrameKind, LjStatus, encodeProc } from './layout.js';
import { processMemory } from './remote-memory.js';
import { splice } from './splice.js';

/** The interpreter's C frame: CFA = cframe + 80, return address just below the CFA, rbp below it. */
const CFRAME_SIZE = 80n;

export interface LuaProcess {
  pid: number;
  /** global_State, 0 when not found (the walker then learns it from the interpreter's registers). */
  G: bigint;
  binary: LuaJitBinary;
  interpStart: bigint;
  interpEnd: bigint;
  modules: ProcessModules;
  namer: LuaFrameNamer;
  /** nginx: offset of the request's uri, once learned (0 until then). */
  uriOff: number;
  uriAttempts: number;
}

/** Finds the file holding a LuaJIT VM among the process's executable mappings. */
function findVm(pid: number, modules: ProcessModules): { binary: LuaJitBinary; bias: bigint } | undefined {
  const seen = new Set<string>();
  for (const m of modules.mappings) {
    if (m.perms[2] !== 'x' || !isFileBacked(m) || seen.has(m.path)) continue;
    seen.add(m.path);
    const base = m.path.slice(m.path.lastIndexOf('/') + 1);
    // The VM lives in libluajit or in a binary linked with it statically (luajit, openresty).
    if (!/luajit|openresty|^nginx$|^lua/.test(base)) continue;
    const file = openMappedFile(pid, m).path;
    const binary = detectLuaJit(file, m.path);
    if (!binary) continue;
    const mod = modules.module(m.start);
    if (!mod) continue;
    return { binary, bias: mod.bias };
  }
  return undefined;
}

/**
 * Finds the LuaJIT VM of a process and what the walker needs to know of it; undefined when the
 * process runs no LuaJIT. Throws NotSupportedError for a LuaJIT build fluoro cannot read safely.
 */
function prepareLuaProcess(pid: number, modules: ProcessModules, warnings: string[] = []): LuaProcess | undefined {
  const found = findVm(pid, modules);
  if (!found) return undefined;
  const mem = processMemory(pid);
  const vms = findVms(pid, modules.mappings, found.binary.build.layout, mem);
  if (vms.length > 1) warnings.push(`process ${pid} runs ${vms.length} LuaJIT VMs; only the first one's Lua frames are shown`);
  return {
    pid,
    G: vms[0] ?? 0n,
    binary: found.binary,
    interpStart: BigInt(found.binary.interpStart) + found.bias,
    interpEnd: BigInt(found.binary.interpEnd) + found.bias,
    modules,
    namer: new LuaFrameNamer(mem, found.binary.build),
    uriOff: 0,
    uriAttempts: 0,
  };
}

/** Tells the BPF walker about a process (flags: LJ_PROC_*). */
export function publishLuaProcess(obj: BpfObject, p: LuaProcess, flags = 0): void {
  obj.map('lj_procs').update(
    u32Key(p.pid),
    encodeProc({ interpStart: p.interpStart, interpEnd: p.interpEnd, G: p.G, vmTid: 0, flags, uriOff: p.uriOff, layout: p.binary.build.layout }),
    BPF_ANY,
  );
}

const MAX_URI_ATTEMPTS = 50;

class LuaRewriter implements RuntimeProcess {
  readonly runtime = 'luajit' as const;

  constructor(
    private readonly p: LuaProcess,
    /** Set when samples should carry their request's URI: learns the layout, then republishes. */
    private readonly byRequest?: () => void,
  ) {}

  publish(obj: BpfObject): void {
    publishLuaProcess(obj, this.p);
  }

  snapshots(): Snapshots {
    return luaSnapshots(this.p);
  }

  /** The request label of a sample, learning nginx's request layout from the first requests. */
  private requestLabels(walk: RawSample['lua']): Record<string, string> | undefined {
    if (!this.byRequest || walk.request === 0n) return undefined;
    if (this.p.uriOff === 0 && this.p.uriAttempts < MAX_URI_ATTEMPTS) {
      this.p.uriAttempts++;
      const off = findUriOffset(this.p.namer.memory, walk.request);
      if (off !== undefined) {
        this.p.uriOff = off;
        this.byRequest();
      }
    }
    return walk.uri !== undefined ? { request: walk.uri } : undefined;
  }

  private inVm = (f: RawFrame): boolean => {
    if (f.kind !== 'user') return false;
    if (f.addr >= this.p.interpStart && f.addr < this.p.interpEnd) return true;
    const m = this.p.modules.mapping(f.addr);
    return m !== undefined && m.inode === 0 && m.perms[2] === 'x'; // trace machine code
  };

  rewrite(raw: RawSample, user: RawFrame[], end: UnwindEnd): { frames: RawFrame[]; end: UnwindEnd } {
    const walk = raw.lua;
    if (walk.status !== LjStatus.ok && walk.status !== LjStatus.truncated) return { frames: user, end };
    let native = user;
    // Native unwinding cannot be trusted past the innermost VM entry: trace code has no unwind
    // info, and the interpreter calls internal subroutines its unwind info does not describe.
    // When the walk did not reach the root, the VM's C frame (L->cframe) says where that entry
    // is; unwinding resumes from there.
    if (end !== 'root' && walk.cframe !== 0n) {
      const first = native.findIndex(this.inVm);
      if (first >= 0) {
        let last = first;
        while (last + 1 < native.length && this.inVm(native[last + 1]!)) last++;
        const rest = this.resumeBelowVm(raw, walk.cframe & ~3n);
        if (rest) {
          native = native.slice(0, last + 1).concat(rest.frames);
          end = rest.end;
        }
      }
    }
    const groups: RawFrame[][] = [[]];
    walk.frames.forEach((f, i) => {
      if (f.kind === LjFrameKind.entry) groups.push([]);
      else if (f.kind === LjFrameKind.c) groups[groups.length - 1]!.push({ kind: 'user', addr: f.ptr, call: false });
      else {
        const info = this.p.namer.name(walk.frames, i);
        groups[groups.length - 1]!.push({ kind: 'runtime', runtime: 'luajit', key: `lua|${info.kind}|${info.name}|${info.file}|${info.line}|${info.startLine}`, frame: info });
      }
    });
    const spliced = splice({
      native,
      luaGroups: groups.filter((g) => g.length > 0),
      inVm: this.inVm,
      sameFunction: (l, n) => l.kind === 'user' && n.kind === 'user' && this.sameFunction(l.addr, n.call ? n.addr - 1n : n.addr),
    });
    const labels = this.requestLabels(walk);
    return { frames: spliced.map((f) => (f.native ?? f.lua)!), end, ...(labels ? { labels } : {}) };
  }

  private sameFunction(a: bigint, b: bigint): boolean {
    const sa = this.p.modules.symbol(a);
    const sb = this.p.modules.symbol(b);
    return sa !== undefined && sb !== undefined && sa.module === sb.module && sa.name === sb.name;
  }

  /** Native frames below the VM entry whose C frame is at `cframe`, read from the stack copy. */
  private resumeBelowVm(raw: RawSample, cframe: bigint): { frames: RawFrame[]; end: UnwindEnd } | undefined {
    const start = raw.regs.rsp;
    const at = cframe - start;
    if (at < 0n || at + CFRAME_SIZE > BigInt(raw.stack.length)) return undefined;
    const o = Number(at);
    const regs = {
      rip: raw.stack.readBigUInt64LE(o + 72),
      rsp: cframe + CFRAME_SIZE,
      rbp: raw.stack.readBigUInt64LE(o + 64),
    };
    const rest = unwind(regs, { start: regs.rsp, bytes: raw.stack.subarray(o + Number(CFRAME_SIZE)) }, this.p.modules);
    // The interpreter's own frame stands for the VM entry the Lua frames splice into.
    const frames: RawFrame[] = [{ kind: 'user', addr: this.p.interpStart, call: false }];
    for (const pc of rest.pcs) frames.push({ kind: 'user', addr: pc, call: true });
    return { frames, end: rest.end };
  }
}

const sampling: RuntimeSampling = {
  attach(pid, modules, o) {
    const p = prepareLuaProcess(pid, modules, o.warnings);
    if (!p) return undefined;
    const rw: LuaRewriter = new LuaRewriter(p, o.byRequest ? () => o.changed(rw) : undefined);
    return rw;
  },
  location(b, frame) {
    const f = frame as LuaFrameInfo;
    return b.location({ kind: f.kind, lines: [{ func: b.func({ name: f.name, file: f.file, startLine: f.startLine }), line: f.line }] });
  },
};

export const luajit: RuntimePlugin = { name: 'luajit', detect: (maps, exe) => luajitDetector.detect(maps, exe), sampling };
