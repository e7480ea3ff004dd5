// Why a thread was off its CPU, named for people: the leaf frame of each off-CPU stack. A thread
// that left still runnable waited in the run queue (preempted, or it yielded); one that went to
// sleep did so in a system call, named from orig_rax of its user registers, or in a page fault.
// Sleeps in an event loop's wait (epoll_wait, poll, select) are idle time: the program had
// nothing to do, which is not where it is slow.

/** x86_64 system call numbers (asm/unistd_64.h; reasons.test.ts checks them) of calls that block. */
export const SYSCALLS: Readonly<Record<number, string>> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 4: 'stat', 5: 'fstat', 7: 'poll', 8: 'lseek', 9: 'mmap',
  10: 'mprotect', 11: 'munmap', 16: 'ioctl', 17: 'pread64', 18: 'pwrite64', 19: 'readv', 20: 'writev',
  23: 'select', 24: 'sched_yield', 26: 'msync', 28: 'madvise', 34: 'pause', 35: 'nanosleep', 40: 'sendfile',
  42: 'connect', 43: 'accept', 44: 'sendto', 45: 'recvfrom', 46: 'sendmsg', 47: 'recvmsg', 56: 'clone',
  58: 'vfork', 59: 'execve', 61: 'wait4', 65: 'semop', 70: 'msgrcv', 73: 'flock', 74: 'fsync', 75: 'fdatasync',
  128: 'rt_sigtimedwait', 130: 'rt_sigsuspend', 162: 'sync', 202: 'futex', 208: 'io_getevents',
  217: 'getdents64', 220: 'semtimedop', 230: 'clock_nanosleep', 232: 'epoll_wait', 243: 'mq_timedreceive',
  247: 'waitid', 257: 'openat', 262: 'newfstatat', 263: 'unlinkat', 270: 'pselect6', 271: 'ppoll',
  275: 'splice', 281: 'epoll_pwait', 285: 'fallocate', 288: 'accept4', 295: 'preadv', 296: 'pwritev',
  299: 'recvmmsg', 307: 'sendmmsg', 316: 'renameat2', 318: 'getrandom', 326: 'copy_file_range',
  332: 'statx', 426: 'io_uring_enter', 435: 'clone3', 441: 'epoll_pwait2',
};

/** The waits of an event loop with nothing to do. */
const IDLE_CALLS: ReadonlySet<string> = new Set(['epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll', 'select', 'pselect6']);

export interface WaitReason {
  /** The leaf frame's name: "[syscall read]", "[run queue]", … */
  frame: string;
  /** A short label value for the sample: "read", "run-queue", "page-fault". */
  label: string;
  /** An event loop waiting for work. */
  idle: boolean;
}

const RUN_QUEUE: WaitReason = { frame: '[run queue]', label: 'run-queue', idle: false };
const PAGE_FAULT: WaitReason = { frame: '[page fault]', label: 'page-fault', idle: false };
const NO_SYSCALL: WaitReason = { frame: '[sleep outside a system call]', label: 'other', idle: false };
/** A thread asleep when the run began, whose stack could not be read before it woke. */
export const BEFORE_RUN: WaitReason = { frame: '[blocked when the run began]', label: 'unknown', idle: false };
/** A block whose switch-out record did not fit in the ring buffer. */
export const STACK_LOST: WaitReason = { frame: '[stack lost: ring buffer full]', label: 'unknown', idle: false };

export function syscallReason(nr: number): WaitReason {
  const name = SYSCALLS[nr];
  if (name === undefined) return nr < 0 ? NO_SYSCALL : { frame: `[syscall ${nr}]`, label: `syscall-${nr}`, idle: false };
  return { frame: `[syscall ${name}]`, label: name, idle: IDLE_CALLS.has(name) };
}

/**
 * Why a thread waited: from its state as it left (0: runnable), the orig_rax of its user
 * registers and, when known, the names of its kernel frames (a page fault's orig_rax is the
 * fault's error code, not a system call, and only the kernel stack tells the two apart).
 */
export function waitReason(state: number, syscall: number, kernelNames: readonly string[] = []): WaitReason {
  if (state === 0) return RUN_QUEUE;
  if (kernelNames.some((n) => n === 'exc_page_fault' || n === 'asm_exc_page_fault')) return PAGE_FAULT;
  return syscallReason(syscall);
}
