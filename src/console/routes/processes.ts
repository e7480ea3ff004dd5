// GET /api/processes: what `fluoro ps` shows, from the agent.
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from '../context.js';

export function processRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/processes', async () => ({ host: ctx.agent.host, processes: await ctx.agent.processes() }));
  app.get('/api/info', async () => ({
    host: ctx.agent.host,
    version: ctx.version,
    analyses: ctx.agent.kinds(),
    formats: ['folded', 'pprof', 'speedscope', 'svg', 'html'],
  }));
}
