// The agent: what runs analyses on a host. The console talks to an Agent and never to the
// collectors or to BPF; the local agent runs them in this process, a remote one (later) will
// speak the same interface over authenticated HTTP.

import type { CollectorInfo, CollectorResult, RunContext } from '../collectors/collector.js';
import type { ParamValues } from '../collectors/params.js';
import type { RuntimeMatch } from '../unwind/detect.js';

// What the console sees of the collectors: their descriptions, runs and results, through the agent.
export type { CollectorInfo, Progress, ResultDocument } from '../collectors/collector.js';
export type { ParamSpec, ParamValues } from '../collectors/params.js';

/** One process as `fluoro ps` shows it; strings come from the process and are untrusted. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  user: string;
  cpu: number;
  threads: number;
  /** The container the process runs in (label like "docker:0123456789ab", or "pidns"); null when none. */
  container: { label: string; runtime?: string; id?: string } | null;
  runtimes: RuntimeMatch[];
  comm: string;
  command: string;
}

export interface Agent {
  /** The host the agent runs on, as people know it. */
  readonly host: string;
  /** The collectors this agent can run. */
  kinds(): CollectorInfo[];
  processes(): Promise<ProcessRow[]>;
  /** Checks a request before it becomes a job: throws UsageError or NoSuchProcessError. */
  validate(kind: string, pid: number, params: unknown): { params: ParamValues; command: string };
  run(kind: string, pid: number, params: ParamValues, ctx: RunContext): Promise<CollectorResult>;
}
