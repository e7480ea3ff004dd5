// The console's HTTP server: the API under /api (every call needs the token), the web UI under
// / and /ui, the OpenAPI description at /api/openapi.json.

import Fastify, { type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Agent } from '../agent/agent.js';
import { openApiDocument } from './openapi.js';
import { tokenMatches } from './auth.js';
import { ProfileCache, type ConsoleContext } from './context.js';
import { errorHandler } from './errors.js';
import { JobManager } from './jobs.js';
import { processRoutes } from './routes/processes.js';
import { profileRoutes } from './routes/profiles.js';
import { runRoutes } from './routes/runs.js';
import { CSP, staticRoutes } from './static.js';
import type { RunStore } from './store/store.js';

interface ConsoleOptions {
  agent: Agent;
  store: RunStore;
  token: string;
  /** Largest request body (an uploaded profile); default 256 MiB. */
  bodyLimit?: number;
  log?: boolean;
}

export interface ConsoleServer {
  app: FastifyInstance;
  jobs: JobManager;
  /** Cancels running jobs (their outcomes are stored), then closes the server. The store stays open. */
  close(): Promise<void>;
}

function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function openApiText(): string {
  const here = fileURLToPath(new URL('.', import.meta.url)).replace(/\/dist\/src\/console\/$/, '/src/console/');
  return readFileSync(here + 'openapi.json', 'utf8');
}

export function createConsole(o: ConsoleOptions): ConsoleServer {
  const app = Fastify({ logger: o.log ?? false, bodyLimit: o.bodyLimit ?? 256 << 20 });
  const jobs = new JobManager(o.agent, o.store);
  const ctx: ConsoleContext = { agent: o.agent, store: o.store, jobs, version: packageVersion(), profiles: new ProfileCache(o.store) };
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` });
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CSP);
    if (req.url.startsWith('/api/') || req.url === '/api') {
      if (!tokenMatches(req.headers.authorization, o.token)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'a valid token is required: send "Authorization: Bearer TOKEN" with the token the console printed when it started' });
      }
    }
  });
  const openapi = JSON.stringify(openApiDocument(openApiText(), o.agent.kinds()));
  app.get('/api/openapi.json', async (_req, reply) => reply.header('content-type', 'application/json').send(openapi));
  processRoutes(app, ctx);
  runRoutes(app, ctx);
  profileRoutes(app, ctx);
  staticRoutes(app);
  return {
    app,
    jobs,
    async close() {
      await jobs.stopAll();
      await app.close();
    },
  };
}
