// The console's store: runs (metadata, outcome) and their profiles, in SQLite. Write-ahead log and
// one transaction per change, so a crash in the middle of a write leaves the last committed state.
// Profiles are kept as the versioned profile document (model/serialize.ts), gzipped JSON.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FluoroError } from '../../errors.js';
import type { Profile } from '../../model/profile.js';
import { fromDocument, toDocument, type ProfileDocument } from '../../model/serialize.js';
import type { ResultDocument } from '../../agent/agent.js';
import { migrate } from './migrations.js';

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'done', 'failed', 'cancelled'];

export interface RunRecord {
  id: number;
  kind: string;
  status: RunStatus;
  source: 'agent' | 'upload';
  host: string;
  pid: number | null;
  command: string;
  startedAt: number;
  durationMs: number | null;
  settings: Record<string, unknown>;
  error: string | null;
  summary: Record<string, unknown>;
  warnings: string[];
  hasProfile: boolean;
  /** The type of the run's result document (Lua backtraces, a report), or null when it has none. */
  resultType: string | null;
}

interface NewRun {
  kind: string;
  source: 'agent' | 'upload';
  host: string;
  pid: number | null;
  command: string;
  startedAt: number;
  settings: Record<string, unknown>;
}

interface RunFilter {
  status?: RunStatus;
  kind?: string;
  pid?: number;
  /** Words to find in the command or host. */
  text?: string;
  limit?: number;
  before?: number;
}

interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  durationMs: number;
  error?: string;
  summary?: Record<string, unknown>;
  warnings?: string[];
  profile?: Profile | ProfileDocument;
  result?: ResultDocument;
}

interface Row {
  id: number;
  kind: string;
  status: RunStatus;
  source: 'agent' | 'upload';
  host: string;
  pid: number | null;
  command: string;
  started_at: number;
  duration_ms: number | null;
  settings: string;
  error: string | null;
  summary: string;
  warnings: string;
  has_profile: number;
  result_type: string | null;
}

const SELECT = `SELECT r.*, EXISTS(SELECT 1 FROM profiles p WHERE p.run_id = r.id) AS has_profile,
  (SELECT x.type FROM results x WHERE x.run_id = r.id) AS result_type FROM runs r`;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function record(r: Row): RunRecord {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    source: r.source,
    host: r.host,
    pid: r.pid,
    command: r.command,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    settings: parseJson(r.settings, {}),
    error: r.error,
    summary: parseJson(r.summary, {}),
    warnings: parseJson(r.warnings, []),
    hasProfile: r.has_profile === 1,
    resultType: r.result_type ?? null,
  };
}

export class RunStore {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating if needed) and migrates the store at `path` (':memory:' for a throwaway one). */
  static open(path: string): RunStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (err) {
      throw new FluoroError(`cannot open the console store ${path}: ${(err as Error).message}`);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (err) {
      db.close();
      throw new FluoroError(`cannot use the console store ${path}: ${(err as Error).message}`);
    }
    return new RunStore(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs left 'running' by a console that stopped (or crashed) become failed, with that reason. */
  failAbandoned(reason: string): number {
    return this.db.prepare(`UPDATE runs SET status = 'failed', error = ? WHERE status = 'running'`).run(reason).changes;
  }

  create(run: NewRun): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (kind, status, source, host, pid, command, started_at, settings) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.kind, run.source, run.host, run.pid, run.command, run.startedAt, JSON.stringify(run.settings));
    return Number(info.lastInsertRowid);
  }

  /** Records how a run ended, its profile and its result, in one transaction. */
  finish(id: number, o: RunOutcome): void {
    const doc = o.profile ? ('format' in o.profile ? o.profile : toDocument(o.profile)) : undefined;
    const blob = doc ? gzipSync(JSON.stringify(doc), { level: 6 }) : undefined;
    const result = o.result ? gzipSync(JSON.stringify(o.result.data), { level: 6 }) : undefined;
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE runs SET status = ?, duration_ms = ?, error = ?, summary = ?, warnings = ? WHERE id = ?`)
        .run(o.status, Math.round(o.durationMs), o.error ?? null, JSON.stringify(o.summary ?? {}), JSON.stringify(o.warnings ?? []), id);
      if (doc && blob) {
        this.db
          .prepare(`INSERT OR REPLACE INTO profiles (run_id, version, encoding, document) VALUES (?, ?, 'json+gzip', ?)`)
          .run(id, doc.version, blob);
      }
      if (o.result && result) {
        this.db
          .prepare(`INSERT OR REPLACE INTO results (run_id, type, version, encoding, document) VALUES (?, ?, ?, 'json+gzip', ?)`)
          .run(id, o.result.type, o.result.version, result);
      }
    })();
  }

  /** A finished run in one step (an upload). */
  add(run: NewRun, o: RunOutcome): number {
    return this.db.transaction(() => {
      const id = this.create(run);
      this.finish(id, o);
      return id;
    })();
  }

  get(id: number): RunRecord | undefined {
    const r = this.db.prepare(`${SELECT} WHERE r.id = ?`).get(id) as Row | undefined;
    return r ? record(r) : undefined;
  }

  list(f: RunFilter = {}): RunRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.status) (where.push('r.status = ?'), args.push(f.status));
    if (f.kind) (where.push('r.kind = ?'), args.push(f.kind));
    if (f.pid !== undefined) (where.push('r.pid = ?'), args.push(f.pid));
    if (f.before !== undefined) (where.push('r.id < ?'), args.push(f.before));
    if (f.text) {
      where.push(`(instr(lower(r.command), ?) > 0 OR instr(lower(r.host), ?) > 0)`);
      args.push(f.text.toLowerCase(), f.text.toLowerCase());
    }
    const sql = `${SELECT}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY r.id DESC LIMIT ?`;
    args.push(Math.min(Math.max(f.limit ?? 100, 1), 1000));
    return (this.db.prepare(sql).all(...args) as Row[]).map(record);
  }

  delete(id: number): boolean {
    return this.db.prepare(`DELETE FROM runs WHERE id = ?`).run(id).changes > 0;
  }

  /** The stored profile document, upgraded to the current version when read as a Profile. */
  document(id: number): ProfileDocument | undefined {
    const r = this.db.prepare(`SELECT encoding, document FROM profiles WHERE run_id = ?`).get(id) as
      | { encoding: string; document: Buffer }
      | undefined;
    if (!r) return undefined;
    const text = r.encoding === 'json+gzip' ? gunzipSync(r.document).toString('utf8') : r.document.toString('utf8');
    return JSON.parse(text) as ProfileDocument;
  }

  /** The run's result document (Lua backtraces, a report), as the kind wrote it. */
  result(id: number): ResultDocument | undefined {
    const r = this.db.prepare(`SELECT type, version, encoding, document FROM results WHERE run_id = ?`).get(id) as
      | { type: string; version: number; encoding: string; document: Buffer }
      | undefined;
    if (!r) return undefined;
    const text = r.encoding === 'json+gzip' ? gunzipSync(r.document).toString('utf8') : r.document.toString('utf8');
    return { type: r.type, version: r.version, data: JSON.parse(text) as unknown };
  }

  profile(id: number): Profile | undefined {
    const doc = this.document(id);
    return doc ? fromDocument(doc) : undefined;
  }
}
