// Counted raw stacks → a Profile with the sample types the collector passes in: every distinct
// address is named once (kernel symbols, the process's modules, or the runtime plugin whose frame
// it is), then stacks are interned. Shared by every collector that counts stacks.

import { ProfileBuilder } from '../../model/builder.js';
import type { Location, SampleType } from '../../model/profile.js';
import { sourceFrames } from '../../symbolize/dwarf.js';
import { demangle } from '../../symbolize/demangle.js';
import type { ProcessModules } from '../../unwind/process-modules.js';
import type { RawFrame, RuntimePlugin } from '../../unwind/runtime.js';
import type { CountedStack } from './stacks.js';

export interface KernelSymbols {
  name(addr: bigint): string | undefined;
}

interface ToProfileInput {
  stacks: Iterable<CountedStack>;
  modules: (pid: number) => ProcessModules | undefined;
  kernel: KernelSymbols | undefined;
  /** The plugins whose frames the stacks may hold; each names its own. */
  runtimes: readonly RuntimePlugin[];
  processName: (pid: number) => string;
  sampleTypes: SampleType[];
  periodType: SampleType;
  period: number;
  /** A stack's values, one per sample type. */
  values: (s: CountedStack) => number[];
  durationNs: bigint;
  startNs: bigint;
  comments: string[];
  perThread: boolean;
  /** Put the process at the root of its stacks (when several processes share one profile). */
  processRoot: boolean;
  /** Put the request (label `request`) at the root of its stacks. */
  requestRoot?: boolean;
  /** A frame to put at the leaf of a stack (why an off-CPU stack waited, say). */
  leaf?: (s: CountedStack) => string | undefined;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function toProfile(input: ToProfileInput): ReturnType<ProfileBuilder['build']> {
  const b = new ProfileBuilder(input.sampleTypes, {
    periodType: input.periodType,
    period: input.period,
    durationNanos: input.durationNs,
    timeNanos: input.startNs,
    comments: input.comments,
  });
  const names = new Map<string, Location>();

  const userLocation = (pid: number, f: Extract<RawFrame, { kind: 'user' }>): Location => {
    const key = `${pid}:${f.addr}:${f.call}`;
    let loc = names.get(key);
    if (loc) return loc;
    const modules = input.modules(pid);
    const pc = f.call ? f.addr - 1n : f.addr;
    const mod = modules?.module(pc);
    const mapping = mod
      ? b.mapping({ start: mod.start, limit: mod.end, offset: 0n, file: mod.name, buildId: mod.buildId })
      : undefined;
    const sym = modules?.symbol(pc);
    if (sym) {
      // With DWARF: one line per inlined call, innermost first, each with its source line.
      const src = sym.module.file === undefined ? undefined : sourceFrames(sym.module.file, sym.vaddr, sym.name);
      const fn = (n: string, file: string) => b.func({ name: demangle(n), systemName: n, file });
      const lines = src?.map((l) => ({ func: fn(l.name, l.file), line: l.line })) ?? [{ func: fn(sym.name, '') }];
      loc = b.location({ kind: 'native', address: f.addr, ...(mapping ? { mapping } : {}), lines });
    } else if (mod) {
      const name = `${basename(mod.name)}+0x${(pc - mod.bias).toString(16)}`;
      loc = b.location({ kind: 'native', address: f.addr, ...(mapping ? { mapping } : {}), lines: [{ func: b.func({ name }) }] });
    } else {
      // Code outside any file: JIT-compiled code, or memory we could not attribute.
      const m = modules?.mapping(pc);
      const jit = m !== undefined && m.perms[2] === 'x' && m.inode === 0;
      // A JIT that writes /tmp/perf-PID.map names its code there.
      const name = jit ? (modules?.jitName(pc) ?? '[jit]') : '[unknown]';
      loc = b.location({ kind: jit ? 'jit' : 'unknown', address: f.addr, lines: [{ func: b.func({ name }) }] });
    }
    names.set(key, loc);
    return loc;
  };

  const kernelLocation = (addr: bigint): Location => {
    const key = `k:${addr}`;
    let loc = names.get(key);
    if (!loc) {
      const name = input.kernel?.name(addr) ?? `0x${addr.toString(16)}`;
      loc = b.location({ kind: 'kernel', lines: [{ func: b.func({ name }) }] });
      names.set(key, loc);
    }
    return loc;
  };

  for (const s of input.stacks) {
    const locs: Location[] = [];
    for (const f of s.frames) {
      if (f.kind === 'kernel') locs.push(kernelLocation(f.addr));
      else if (f.kind === 'user') locs.push(userLocation(s.pid, f));
      else {
        const key = `r${f.runtime}|${f.key}`;
        let loc = names.get(key);
        if (!loc) {
          const sampling = input.runtimes.find((r) => r.name === f.runtime)?.sampling;
          if (!sampling) continue; // a frame of a plugin not asked for: cannot happen
          names.set(key, (loc = sampling.location(b, f.frame)));
        }
        locs.push(loc);
      }
    }
    const leaf = input.leaf?.(s);
    if (leaf !== undefined) locs.unshift(b.frame('group', leaf));
    // The process (and thread) at the root, as perf and FlameGraph show them.
    const proc = input.processName(s.pid);
    // With --by-request, the request at the root splits the graph by URL.
    if (s.labels.request !== undefined && input.requestRoot) locs.push(b.frame('group', `request ${s.labels.request}`));
    if (input.perThread) locs.push(b.frame('group', `${s.comm} [${s.tid}]`));
    if (input.processRoot) locs.push(b.frame('group', `${proc} [${s.pid}]`));
    const labels: Record<string, string | number> = { pid: s.pid, process: proc, ...s.labels };
    if (input.perThread) Object.assign(labels, { tid: s.tid, thread: s.comm });
    b.add(locs, input.values(s), labels);
  }
  return b.build();
}
