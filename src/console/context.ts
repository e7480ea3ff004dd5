// What every route needs: the agent, the store, the jobs, and a small cache of parsed profiles.
import type { Agent } from '../agent/agent.js';
import type { Profile } from '../model/profile.js';
import { NotFoundError, ConflictError } from './errors.js';
import type { JobManager } from './jobs.js';
import type { RunRecord, RunStore } from './store/store.js';

export interface ConsoleContext {
  agent: Agent;
  store: RunStore;
  jobs: JobManager;
  version: string;
  profiles: ProfileCache;
}

/** The last few profiles read, so switching views of one run does not parse it again. */
export class ProfileCache {
  private readonly entries = new Map<number, Profile>();
  private readonly derived = new Map<string, unknown>();

  constructor(
    private readonly store: RunStore,
    private readonly max = 4,
  ) {}

  run(id: number): RunRecord {
    const r = this.store.get(id);
    if (!r) throw new NotFoundError(`no run ${id}`);
    return r;
  }

  get(id: number): { run: RunRecord; profile: Profile } {
    const run = this.run(id);
    let p = this.entries.get(id);
    if (!p) {
      if (run.status === 'running') throw new ConflictError(`run ${id} is still running`);
      p = this.store.profile(id);
      if (!p) throw new NotFoundError(`run ${id} has no profile${run.error ? ` (it ${run.status}: ${run.error})` : ''}`);
      this.entries.set(id, p);
      while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    return { run, profile: p };
  }

  /** A value computed from a run's profile (a view, its flame data), kept for the next request. */
  memo<T>(id: number, key: string, compute: () => T): T {
    const k = `${id}|${key}`;
    if (this.derived.has(k)) {
      const v = this.derived.get(k);
      this.derived.delete(k); // most recently used goes last
      this.derived.set(k, v);
      return v as T;
    }
    const v = compute();
    this.derived.set(k, v);
    while (this.derived.size > this.max * 6) this.derived.delete(this.derived.keys().next().value!);
    return v;
  }

  forget(id: number): void {
    this.entries.delete(id);
    for (const k of [...this.derived.keys()]) if (k.startsWith(`${id}|`)) this.derived.delete(k);
  }
}
