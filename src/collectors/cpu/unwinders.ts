// Where native stacks are unwound, chosen by `fluoro cpu --unwinder`: in userspace from a copied
// stack window (the default, bpf/cpu.bpf.c + src/unwind/native.ts), or in the kernel from the
// same tables loaded into maps (bpf/unwind.bpf.c). Both feed the same StackCounter.

import type { BpfObject } from '../../bpf/object.js';
import { UsageError } from '../../errors.js';
import { startCpuCapture, type CpuCapture } from './capture.js';
import { startKernelUnwind } from './kernel-unwind.js';
import type { RawFrame } from '../../unwind/runtime.js';
import type { ProcessContext, StackCounter } from '../events/stacks.js';

export const UNWINDERS = ['userspace', 'kernel'] as const;
type UnwinderName = (typeof UNWINDERS)[number];

interface UnwinderStart {
  pids: number[];
  all: boolean;
  hz: number;
  kernel: boolean;
  stackBytes?: number;
  counter: StackCounter;
  contextOf(pid: number, comm: string): ProcessContext | undefined;
  /** The loaded object, for runtimes that fill maps of their own (LuaJIT). */
  onLoaded(obj: BpfObject): void;
  onError(err: unknown): void;
  warnings: string[];
}

export interface Unwinder {
  name: UnwinderName;
  start(o: UnwinderStart): CpuCapture;
}

export const userspaceUnwinder: Unwinder = {
  name: 'userspace',
  start: (o) =>
    startCpuCapture({
      ...(o.all ? { all: true } : { pids: o.pids }),
      hz: o.hz,
      kernel: o.kernel,
      ...(o.stackBytes !== undefined ? { stackBytes: o.stackBytes } : {}),
      onSample: (raw) => o.counter.add(raw, o.contextOf(raw.pid, raw.comm)),
      onLoaded: o.onLoaded,
      onError: o.onError,
    }),
};

export const kernelUnwinder: Unwinder = {
  name: 'kernel',
  start(o) {
    if (o.all) throw new UsageError('--unwinder kernel needs -p PID: tables are loaded per target process');
    if (o.pids.some((pid) => (o.contextOf(pid, String(pid))?.rewriters.length ?? 0) > 0)) {
      o.warnings.push('the kernel unwinder walks native frames only: Lua frames are not shown (use --unwinder userspace)');
    }
    return startKernelUnwind({
      pids: o.pids,
      modules: (pid) => o.contextOf(pid, String(pid))?.modules,
      hz: o.hz,
      kernel: o.kernel,
      onSample: (s) => {
        o.contextOf(s.pid, s.comm); // names the process, keeps its modules for symbolization
        const kernel: RawFrame[] = o.kernel ? s.kernelStack.map((addr) => ({ kind: 'kernel', addr })) : [];
        const user: RawFrame[] = s.pcs.map((addr, i) => ({ kind: 'user', addr, call: !s.exact[i] }));
        o.counter.addUnwound(s, kernel, user, s.end);
      },
      onError: o.onError,
    });
  },
};

export function unwinderByName(name: string | undefined): Unwinder {
  if (name === undefined || name === 'userspace') return userspaceUnwinder;
  if (name === 'kernel') return kernelUnwinder;
  throw new UsageError(`--unwinder must be ${UNWINDERS.join(' or ')}, not ${JSON.stringify(name)}`);
}
