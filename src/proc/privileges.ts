// What fluoro may do here: the effective capabilities of this process and the kernel features
// BPF profiling relies on. Answers are sentences that name the missing piece.
import { existsSync, readFileSync } from 'node:fs';

import { NotSupportedError, PrivilegeError } from '../errors.js';

export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

const BTF_PATH = '/sys/kernel/btf/vmlinux';

/** CapEff from a /proc/PID/status text, as a bit set; undefined when the line is missing. */
export function parseCapEff(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]{1,16})\s*$/m.exec(status);
  return m ? BigInt('0x' + m[1]) : undefined;
}

export function hasCapability(capEff: bigint, cap: number): boolean {
  return ((capEff >> BigInt(cap)) & 1n) === 1n;
}

/** This process's effective capabilities. */
export function effectiveCapabilities(): bigint {
  return parseCapEff(readFileSync('/proc/self/status', 'utf8')) ?? 0n;
}

/**
 * Which capabilities for loading BPF and opening system-wide perf events are missing, as a
 * sentence; undefined when nothing is. CAP_SYS_ADMIN alone covers both.
 */
export function missingBpfPrivileges(capEff: bigint = effectiveCapabilities()): string | undefined {
  if (hasCapability(capEff, CAP_SYS_ADMIN)) return undefined;
  const missing = [
    hasCapability(capEff, CAP_BPF) ? undefined : 'CAP_BPF',
    hasCapability(capEff, CAP_PERFMON) ? undefined : 'CAP_PERFMON',
  ].filter((c): c is string => c !== undefined);
  if (missing.length === 0) return undefined;
  return `fluoro needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs and sample CPUs; this process lacks ${missing.join(' and ')}: run it as root`;
}

/** The first kernel feature BPF profiling needs that this system lacks, as a sentence. */
export function bpfSupportProblem(): string | undefined {
  if (!existsSync(BTF_PATH)) {
    return `this kernel has no BTF type information (${BTF_PATH} is missing); fluoro needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.8 or newer)`;
  }
  if (!existsSync('/proc/sys/kernel/perf_event_paranoid')) {
    return 'this kernel has no perf events (/proc/sys/kernel/perf_event_paranoid is missing); fluoro needs CONFIG_PERF_EVENTS';
  }
  return undefined;
}

/** Throws NotSupportedError naming the missing kernel feature. */
export function checkBpfSupport(): void {
  const problem = bpfSupportProblem();
  if (problem) throw new NotSupportedError(problem);
}

/** Throws PrivilegeError or NotSupportedError when BPF profiling cannot work here. */
export function requireBpf(): void {
  const missing = missingBpfPrivileges();
  if (missing) throw new PrivilegeError(missing);
  checkBpfSupport();
}

/** kernel.perf_event_paranoid, or undefined when unreadable. */
export function perfEventParanoid(): number | undefined {
  try {
    return Number.parseInt(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8'), 10);
  } catch {
    return undefined;
  }
}
