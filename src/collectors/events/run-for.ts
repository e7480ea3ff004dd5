// How long a collector's session runs: until its duration is over, every target it was given has
// exited, the session failed, or the run was cancelled (Ctrl-C, the console's cancel), checked on a
// timer so that progress is reported as it goes.

import { processExists } from '../../proc/process.js';

interface RunFor {
  durationMs: number;
  /** The targets named by PID; empty with --all (which never runs out of targets). */
  pids: readonly number[];
  signal?: AbortSignal;
  tickMs: number;
  /** Called on every tick with the time since `started`. */
  onTick?(elapsedMs: number): void;
  /** A failure of the session: stop now. */
  failed(): boolean;
}

export interface RunOutcome {
  interrupted: boolean;
  /** Targets that exited while the session ran. */
  exited: number[];
}

export function runFor(o: RunFor, started: number): Promise<RunOutcome> {
  const exited: number[] = [];
  let interrupted = false;
  return new Promise<RunOutcome>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - started;
      o.onTick?.(elapsed);
      for (const pid of o.pids) if (!exited.includes(pid) && !processExists(pid)) exited.push(pid);
      const allGone = o.pids.length > 0 && exited.length === o.pids.length;
      if (elapsed >= o.durationMs || allGone || o.failed()) finish();
    }, o.tickMs);
    const onAbort = () => {
      interrupted = true;
      finish();
    };
    function finish() {
      clearInterval(tick);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ interrupted, exited });
    }
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
