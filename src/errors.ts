// Errors that reach people. Each carries one clear sentence and the exit code the CLI returns;
// anything else that escapes is a bug of ours and is reported as such.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  noTarget: 3,
  privilege: 4,
  unsupported: 5,
  targetExited: 6,
} as const;
type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class FluoroError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments. */
export class UsageError extends FluoroError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The process or thread asked for does not exist (or is not visible to us). */
export class NoSuchProcessError extends FluoroError {
  constructor(readonly pid: number) {
    super(`no process with PID ${pid}`, ExitCode.noTarget);
  }
}

/** The target went away while we worked on it. */
export class TargetExitedError extends FluoroError {
  constructor(readonly pid: number, detail = '') {
    super(`process ${pid} exited${detail ? ' ' + detail : ''}`, ExitCode.targetExited);
  }
}

/** A privilege is missing; the message names the capability. */
export class PrivilegeError extends FluoroError {
  constructor(message: string) {
    super(message, ExitCode.privilege);
  }
}

/** The kernel, the target's runtime build or a file lacks something we need; the message says what. */
export class NotSupportedError extends FluoroError {
  constructor(message: string) {
    super(message, ExitCode.unsupported);
  }
}
