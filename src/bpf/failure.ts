// Turns a failing C call (NULL or negative, errno set) into the error a person can act on:
// a PrivilegeError naming the capability, a NotSupportedError naming the kernel feature, or a
// plain FluoroError with the errno spelled out.
import os from 'node:os';
import util from 'node:util';

import { FluoroError, NotSupportedError, PrivilegeError } from '../errors.js';
import { missingBpfPrivileges } from '../proc/privileges.js';

// libuv's table: negative errno → [name, message], e.g. -1 → ['EPERM', 'operation not permitted'].
const errnoTable = util.getSystemErrorMap();

export const EPERM = os.constants.errno.EPERM;
export const ENOENT = os.constants.errno.ENOENT;
export const EACCES = os.constants.errno.EACCES;
export const EINVAL = os.constants.errno.EINVAL;
export const ENODEV = os.constants.errno.ENODEV;
export const ENOSYS = os.constants.errno.ENOSYS;
export const EOPNOTSUPP = os.constants.errno.EOPNOTSUPP;
export const ENOSPC = os.constants.errno.ENOSPC;
export const ENOTSUPP = 524; // kernel-internal, leaks out of the bpf() syscall for some map ops

/** "EPERM (operation not permitted)" style text for an errno value. */
export function describeErrno(errno: number): string {
  if (errno === ENOTSUPP) return 'ENOTSUPP (operation not supported)';
  const entry = errnoTable.get(-errno);
  return entry ? `${entry[0]} (${entry[1]})` : `errno ${errno}`;
}

const privilegeSentence =
  'needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run fluoro as root';

/** The error for a failed `what` (e.g. "loading BPF object cpu.bpf.o") with this errno. */
export function errorFor(what: string, errno: number, detail = ''): FluoroError {
  const tail = detail ? `\n${detail}` : '';
  // With the privileges in hand, EACCES from a load is the verifier refusing the program.
  if (errno === EACCES && detail && missingBpfPrivileges() === undefined) {
    return new NotSupportedError(`${what} failed: the kernel's verifier refused the program${tail}`);
  }
  if (errno === EPERM || errno === EACCES) {
    return new PrivilegeError(`${what} was refused with ${describeErrno(errno)}: it ${privilegeSentence}${tail}`);
  }
  if (errno === ENOSYS || errno === EOPNOTSUPP || errno === ENOTSUPP || errno === ENODEV) {
    return new NotSupportedError(`${what} failed with ${describeErrno(errno)}: this kernel lacks the feature${tail}`);
  }
  return new FluoroError(`${what} failed with ${describeErrno(errno)}${tail}`);
}
