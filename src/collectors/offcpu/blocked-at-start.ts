// Threads already asleep when an off-CPU run begins. The BPF program never sees them leave, so
// their stacks are read from the outside right after it is attached: the system call and the user
// registers it saved (/proc/PID/task/TID/syscall: number, arguments, sp, pc) and the user stack
// window from sp (process_vm_readv). The thread is asleep, so neither moves while they are read;
// the times around the reads let the join tell whether it woke before they were done.

import { readdirSync } from 'node:fs';
import { readMemoryUpTo } from '../../proc/memory.js';
import { readProcText } from '../../proc/procfs.js';
import { NO_LUA_WALK } from '../../unwind/luajit/section.js';
import { REGISTER_NAMES, type RawSample, type Registers } from '../../unwind/sample.js';

export interface BlockedThread {
  /** The thread as a sample (kernel stack and Lua frames unknown). */
  sample: RawSample;
  syscall: number;
  /** CLOCK_MONOTONIC before and after the thread's files and stack were read. */
  readFromNs: bigint;
  readToNs: bigint;
}

/** "nr a1 … a6 sp pc" of a thread in a system call; undefined when running or unreadable. */
function parseSyscallFile(text: string): { nr: number; sp: bigint; pc: bigint } | undefined {
  const f = text.trim().split(/\s+/);
  // A thread asleep outside a system call shows "-1 sp pc"; a running one, "running".
  if (f.length !== 9 && f.length !== 3) return undefined;
  const nr = Number(f[0]);
  if (!Number.isInteger(nr)) return undefined;
  try {
    return { nr, sp: BigInt(f[f.length - 2]!), pc: BigInt(f[f.length - 1]!) };
  } catch {
    return undefined;
  }
}

function threadState(pid: number, tid: number): string | undefined {
  const stat = readProcText(pid, `task/${tid}/stat`, 4096);
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/** The threads of `pid` asleep (S or D) right now, with their stacks; threads that vanish are skipped. */
export function blockedThreads(pid: number, stackBytes: number): BlockedThread[] {
  const out: BlockedThread[] = [];
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const readFromNs = process.hrtime.bigint();
      const state = threadState(pid, tid);
      if (state !== 'S' && state !== 'D') continue;
      const sc = parseSyscallFile(readProcText(pid, `task/${tid}/syscall`, 512));
      if (!sc) continue;
      const stack = readMemoryUpTo(pid, sc.sp, stackBytes);
      const comm = readProcText(pid, `task/${tid}/comm`, 64).replace(/\n$/, '');
      // Still asleep after the reads: what was read is the sleep's.
      if (threadState(pid, tid) !== state) continue;
      const readToNs = process.hrtime.bigint();
      const regs = Object.fromEntries(REGISTER_NAMES.map((r) => [r, 0n])) as Registers;
      regs.rip = sc.pc;
      regs.rsp = sc.sp;
      out.push({
        syscall: sc.nr,
        readFromNs,
        readToNs,
        sample: {
          pid, tid, cpu: 0, timeNs: readFromNs, comm, kernelMode: true, userRegs: true, regs,
          kernelStack: [], fpStack: [], stack, stackHoles: false,
          lua: NO_LUA_WALK,
        },
      });
    } catch {
      // exited meanwhile, or not ours to read: its waiting before its first wake-up is unknown
    }
  }
  return out;
}
