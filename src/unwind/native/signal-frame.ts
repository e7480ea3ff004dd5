// The x86_64 rt_sigframe as the kernel builds it. When a signal handler returns into the restorer
// (glibc's __restore_rt: mov $15,%eax; syscall), rsp points at the ucontext; the interrupted
// registers are in uc_mcontext.gregs, which starts 40 bytes in (uc_flags 8, uc_link 8, uc_stack 24).

const GREGS = 40;

/** Byte offsets from the ucontext of the saved registers we restore (REG_* indices × 8). */
export const UCONTEXT_OFFSETS = {
  r8: GREGS + 0 * 8,
  r9: GREGS + 1 * 8,
  r10: GREGS + 2 * 8,
  r11: GREGS + 3 * 8,
  r12: GREGS + 4 * 8,
  r13: GREGS + 5 * 8,
  r14: GREGS + 6 * 8,
  r15: GREGS + 7 * 8,
  rdi: GREGS + 8 * 8,
  rsi: GREGS + 9 * 8,
  rbp: GREGS + 10 * 8,
  rbx: GREGS + 11 * 8,
  rdx: GREGS + 12 * 8,
  rax: GREGS + 13 * 8,
  rcx: GREGS + 14 * 8,
  rsp: GREGS + 15 * 8,
  rip: GREGS + 16 * 8,
} as const;

