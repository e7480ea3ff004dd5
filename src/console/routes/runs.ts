// Runs: start an analysis (a job), follow it, cancel it, list and filter the history, delete.
import type { FastifyInstance } from 'fastify';
import { UsageError } from '../../errors.js';
import type { ConsoleContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../store/store.js';
import { bodyObject, optionalInt, optionalText, parseId } from './params.js';

function withProgress(ctx: ConsoleContext, r: RunRecord) {
  return r.status === 'running' ? { ...r, progress: ctx.jobs.progress(r.id) ?? null } : r;
}

export function runRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.post('/api/runs', async (req, reply) => {
    const body = bodyObject(req.body);
    const kind = optionalText(body.kind, 'kind', 64);
    if (!kind) throw new UsageError('kind is required (e.g. "cpu")');
    if (typeof body.pid !== 'number' && typeof body.pid !== 'string') throw new UsageError('pid is required');
    const pidText = String(body.pid);
    if (!/^\d{1,10}$/.test(pidText)) throw new UsageError(`pid must be a whole number, not ${JSON.stringify(pidText.slice(0, 40))}`);
    const id = ctx.jobs.start({ kind, pid: Number(pidText), params: body.params });
    return reply.status(202).send(withProgress(ctx, ctx.store.get(id)!));
  });

  app.get('/api/runs', async (req) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const status = optionalText(q.status, 'status', 16);
    if (status && !RUN_STATUSES.includes(status as RunStatus)) throw new UsageError(`status must be one of ${RUN_STATUSES.join(', ')}`);
    const pid = optionalInt(q.pid, 'pid', 1, 2 ** 22);
    const limit = optionalInt(q.limit, 'limit', 1, 1000);
    const before = optionalInt(q.before, 'before', 1, Number.MAX_SAFE_INTEGER);
    const kind = optionalText(q.kind, 'kind', 64);
    const text = optionalText(q.q, 'q', 200);
    const runs = ctx.store.list({
      ...(status ? { status: status as RunStatus } : {}),
      ...(kind ? { kind } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(text ? { text } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    return { runs: runs.map((r) => withProgress(ctx, r)) };
  });

  app.get('/api/runs/:id', async (req) => {
    const id = parseId((req.params as { id: string }).id);
    const r = ctx.store.get(id);
    if (!r) throw new NotFoundError(`no run ${id}`);
    return withProgress(ctx, r);
  });

  app.post('/api/runs/:id/cancel', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const r = ctx.store.get(id);
    if (!r) throw new NotFoundError(`no run ${id}`);
    if (!ctx.jobs.cancel(id)) throw new ConflictError(`run ${id} is not running (it is ${r.status})`);
    await ctx.jobs.wait(id);
    return reply.status(200).send(ctx.store.get(id));
  });

  app.delete('/api/runs/:id', async (req, reply) => {
    const id = parseId((req.params as { id: string }).id);
    const r = ctx.store.get(id);
    if (!r) throw new NotFoundError(`no run ${id}`);
    if (r.status === 'running') throw new ConflictError(`run ${id} is running; cancel it first`);
    ctx.store.delete(id);
    ctx.profiles.forget(id);
    return reply.status(204).send();
  });
}
