// The store's schema, as a list of migrations. The database's `user_version` says how many have
// been applied; opening a store applies the rest, each in its own transaction, so a store written
// by any earlier fluoro is brought up to date and a crash mid-migration leaves the old version.
// Never edit a migration that has shipped: add the next one.

import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs and their profiles',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          kind        TEXT    NOT NULL,
          status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
          host        TEXT    NOT NULL,
          pid         INTEGER,
          command     TEXT    NOT NULL DEFAULT '',
          started_at  INTEGER NOT NULL,
          duration_ms INTEGER,
          settings    TEXT    NOT NULL DEFAULT '{}',
          error       TEXT,
          summary     TEXT    NOT NULL DEFAULT '{}'
        );
        CREATE TABLE profiles (
          run_id   INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
          version  INTEGER NOT NULL,
          encoding TEXT    NOT NULL,
          document BLOB    NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    description: 'where a run came from, its warnings, and an index for the history',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN source   TEXT NOT NULL DEFAULT 'agent';
        ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
        CREATE INDEX runs_by_start ON runs (started_at DESC);
      `);
    },
  },
  {
    version: 3,
    description: "what a run found beyond its profile (Lua backtraces, a report in words)",
    up(db) {
      db.exec(`
        CREATE TABLE results (
          run_id   INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
          type     TEXT    NOT NULL,
          version  INTEGER NOT NULL,
          encoding TEXT    NOT NULL,
          document BLOB    NOT NULL
        );
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies the migrations after the database's version, up to `target`. Returns the versions applied. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number[] {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new Error(`the store has schema version ${current}, newer than this fluoro understands (${SCHEMA_VERSION})`);
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
