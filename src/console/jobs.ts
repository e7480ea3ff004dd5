// Jobs: analyses running now. A job is a run in the store with status 'running' plus, in memory,
// its progress and the means to cancel it. When the agent returns, the outcome (and profile) is
// written in one transaction; a failure is stored as failed with its one-sentence reason.

import type { Agent } from '../agent/agent.js';
import type { ParamValues, Progress as AnalysisProgress } from '../agent/agent.js';
import { FluoroError } from '../errors.js';
import type { RunStore } from './store/store.js';

interface JobRequest {
  kind: string;
  pid: number;
  params: unknown;
}

interface Job {
  id: number;
  abort: AbortController;
  progress: AnalysisProgress;
  done: Promise<void>;
}

/** The reason stored for a failure: our own errors carry a sentence; anything else is named as a bug. */
function reasonOf(err: unknown): string {
  if (err instanceof FluoroError) return err.message;
  const msg = err instanceof Error ? err.message : String(err);
  return `internal error: ${msg}`;
}

export class JobManager {
  private readonly jobs = new Map<number, Job>();

  constructor(
    private readonly agent: Agent,
    private readonly store: RunStore,
  ) {}

  /** Validates the request (throwing a 4xx-worthy error), stores the run, and starts it. */
  start(req: JobRequest): number {
    const { params, command } = this.agent.validate(req.kind, req.pid, req.params);
    const startedAt = Date.now();
    const id = this.store.create({
      kind: req.kind,
      source: 'agent',
      host: this.agent.host,
      pid: req.pid,
      command,
      startedAt,
      settings: params,
    });
    const abort = new AbortController();
    const job: Job = { id, abort, progress: { elapsedMs: 0, fraction: 0 }, done: Promise.resolve() };
    this.jobs.set(id, job);
    job.done = this.execute(job, req.kind, req.pid, params, startedAt).finally(() => this.jobs.delete(id));
    return id;
  }

  private async execute(job: Job, kind: string, pid: number, params: ParamValues, startedAt: number): Promise<void> {
    try {
      const r = await this.agent.run(kind, pid, params, {
        signal: job.abort.signal,
        onProgress: (p) => {
          job.progress = p;
        },
      });
      const samples = Number(r.summary.samples ?? NaN);
      const empty = r.profile !== undefined && samples === 0 && !r.interrupted;
      this.store.finish(job.id, {
        status: r.interrupted ? 'cancelled' : empty ? 'failed' : 'done',
        durationMs: Date.now() - startedAt,
        summary: r.summary,
        warnings: r.warnings,
        ...(empty ? { error: 'no samples: the process did not run on a CPU while it was sampled' } : {}),
        ...(r.profile && !empty ? { profile: r.profile } : {}),
        ...(r.result && !empty ? { result: r.result } : {}),
      });
    } catch (err) {
      try {
        this.store.finish(job.id, { status: 'failed', durationMs: Date.now() - startedAt, error: reasonOf(err) });
      } catch {
        // The store itself failed (closed while shutting down); the run is marked failed on next start.
      }
    }
  }

  progress(id: number): AnalysisProgress | undefined {
    return this.jobs.get(id)?.progress;
  }

  /** Asks a running job to stop; what it collected so far is kept. False when it is not running. */
  cancel(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.abort.abort();
    return true;
  }

  /** Resolves when the job has ended and its outcome is stored (at once if it is not running). */
  async wait(id: number): Promise<void> {
    await this.jobs.get(id)?.done;
  }

  /** Cancels every job and waits for their outcomes to be stored. */
  async stopAll(): Promise<void> {
    const all = [...this.jobs.values()];
    for (const j of all) j.abort.abort();
    await Promise.all(all.map((j) => j.done));
  }
}
