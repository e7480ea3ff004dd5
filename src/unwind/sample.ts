// A user-space sample as the unwinders and the runtime plugins see it: the registers, the copied
// stack window and the kernel stack, plus what a runtime's BPF walker recorded (LuaJIT's walk).
// Collectors decode their BPF records into this shape (src/collectors/cpu/record.ts).

/** Register order in struct cpu_regs (bpf/include/cpu.h); each is a u64 at index × 8. */
export const REGISTER_NAMES = [
  'rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
] as const;
type RegisterName = (typeof REGISTER_NAMES)[number];
export type Registers = Record<RegisterName, bigint>;

/** One frame of the BPF LuaJIT walk (struct lj_frame in bpf/include/luajit.h). */
export interface LuaRawFrame {
  kind: number;
  ptr: bigint;
  /** Lua frames: the frame's base (address of its first slot). */
  base: bigint;
  pc: number;
  /** Lua frames: index into LuaWalk.slots + 1, or 0 when its slots were not copied. */
  slots: number;
}

/** What the BPF LuaJIT walker saw at the sample: the record's LuaJIT section. */
export interface LuaWalk {
  /** LJ_STATUS_* (see src/unwind/luajit/layout.ts, LjStatus). */
  status: number;
  L: bigint;
  cframe: bigint;
  vmstate: number;
  /** Leaf first. */
  frames: LuaRawFrame[];
  /** L->top: where the innermost frame's slots end. */
  top: bigint;
  /** Slot values copied at the sample: from each frame's function slot (base - 2) on. */
  slots: bigint[][];
  /** L->exdata: for ngx_lua, the request the coroutine serves (0 when none). */
  request: bigint;
  /** The request's URI as copied at the sample (nginx, once its layout is known), else undefined. */
  uri: string | undefined;
}

/** One sample as captured, before any unwinding or symbolization. */
export interface RawSample {
  pid: number;
  tid: number;
  cpu: number;
  /** CLOCK_MONOTONIC nanoseconds. */
  timeNs: bigint;
  comm: string;
  /** The sample interrupted kernel code (regs are then the user registers saved on entry). */
  kernelMode: boolean;
  /**
   * The registers are the thread's. False only for kernel-mode samples on a kernel without
   * bpf_task_pt_regs (before Linux 5.15): regs are zeros and the user stack is empty.
   */
  userRegs: boolean;
  regs: Registers;
  /** Kernel return addresses, innermost first; empty unless kernel stacks were requested. */
  kernelStack: bigint[];
  /** User addresses from the frame-pointer walk, innermost first (often one frame deep). */
  fpStack: bigint[];
  /** The user stack from regs.rsp upward, up to the end of the last readable page in the window. */
  stack: Buffer;
  /** Some pages inside `stack` could not be read and are zeros (untouched stack memory is). */
  stackHoles: boolean;
  /** The LuaJIT walk; status 0 (none) for processes without a VM fluoro was told about. */
  lua: LuaWalk;
}
