// A run's profile: the stored document, the flame graph data and function table of a view, files
// in every output format, an upload from the CLI, and the comparison of two runs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostname } from 'node:os';
import { functionChanges } from '../../analysis/function-changes.js';
import { UsageError } from '../../errors.js';
import { flameData } from '../../formats/flamedata.js';
import { flameDiff } from '../../formats/flamediff.js';
import { fromDocument, toDocument } from '../../model/serialize.js';
import type { ConsoleContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { download, parseBool, parseFormat, parseLang, topFunctions, view, type Lang } from '../views.js';
import { bodyObject, optionalInt, optionalText, parseId } from './params.js';

type Query = Record<string, unknown>;

export function profileRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const idOf = (req: { params: unknown }) => parseId((req.params as { id: string }).id);

  app.get('/api/runs/:id/profile', async (req) => {
    const id = idOf(req);
    const { profile } = ctx.profiles.get(id);
    return toDocument(profile);
  });

  app.get('/api/runs/:id/result', async (req) => {
    const id = idOf(req);
    const run = ctx.profiles.run(id);
    if (run.status === 'running') throw new ConflictError(`run ${id} is still running`);
    const result = ctx.store.result(id);
    if (!result) throw new NotFoundError(`run ${id} has no result${run.error ? ` (it ${run.status}: ${run.error})` : ''}`);
    return { runId: id, kind: run.kind, ...result };
  });

  /** A view of a run's profile, computed once and kept while the run is being looked at. */
  const shown = (id: number, lang: Lang, invert: boolean) => {
    const { profile } = ctx.profiles.get(id);
    return ctx.profiles.memo(id, `view|${lang}|${invert}`, () => view(profile, lang, invert));
  };

  app.get('/api/runs/:id/flame', async (req, reply) => {
    const q = (req.query ?? {}) as Query;
    const id = idOf(req);
    const lang = parseLang(q.lang);
    const invert = parseBool(q.invert, 'invert');
    const json = ctx.profiles.memo(id, `flame|${lang}|${invert}`, () => JSON.stringify(flameData(shown(id, lang, invert))));
    return reply.header('content-type', 'application/json; charset=utf-8').send(json);
  });

  app.get('/api/runs/:id/functions', async (req) => {
    const q = (req.query ?? {}) as Query;
    const id = idOf(req);
    const lang = parseLang(q.lang);
    const limit = optionalInt(q.limit, 'limit', 1, 10_000) ?? 100;
    return ctx.profiles.memo(id, `functions|${lang}|${limit}`, () => topFunctions(shown(id, lang, false), limit));
  });

  app.get('/api/runs/:id/download', async (req, reply) => {
    const q = (req.query ?? {}) as Query;
    const id = idOf(req);
    const format = parseFormat(q.format);
    const lang = parseLang(q.lang);
    const { run } = ctx.profiles.get(id);
    const title = `CPU: PID ${run.pid ?? '?'} on ${run.host}${lang === 'mixed' ? '' : ` (${lang === 'c' ? 'C' : 'Lua'} frames)`}`;
    const file = await download(shown(id, lang, false), format, title);
    return reply
      .header('content-type', file.type)
      .header('content-disposition', `attachment; filename="fluoro-run-${id}-${lang}${file.ext}"`)
      .send(file.body);
  });

  app.get('/api/compare', async (req) => {
    const q = (req.query ?? {}) as Query;
    const baseId = parseId(q.base, 'base');
    const targetId = parseId(q.target, 'target');
    const lang = parseLang(q.lang);
    const a = ctx.profiles.get(baseId);
    const b = ctx.profiles.get(targetId);
    const pa = view(a.profile, lang, false);
    const pb = view(b.profile, lang, false);
    return { base: a.run, target: b.run, flame: flameDiff(pa, pb), functions: functionChanges(pa, pb, 50) };
  });

  const upload = async (req: FastifyRequest, reply: FastifyReply) => {
    if (Buffer.isBuffer(req.body)) {
      throw new UsageError('an upload must be a fluoro profile document in JSON, sent with content-type application/json');
    }
    const body = bodyObject(req.body);
    if (body.profile === undefined) throw new UsageError('profile is required: a fluoro profile document');
    const profile = fromDocument(body.profile);
    const meta = body.meta === undefined ? {} : bodyObject(body.meta);
    const pid = optionalInt(meta.pid, 'meta.pid', 1, 2 ** 22);
    const startedAt = optionalInt(meta.startedAt, 'meta.startedAt', 0, 8.64e15) ?? Number(profile.timeNanos / 1_000_000n);
    const durationMs = optionalInt(meta.durationMs, 'meta.durationMs', 0, 8.64e15) ?? Number(profile.durationNanos / 1_000_000n);
    const settings = meta.settings === undefined ? {} : bodyObject(meta.settings);
    const settingsText = JSON.stringify(settings);
    if (settingsText.length > 16_384) throw new UsageError('meta.settings must be at most 16 KiB of JSON');
    const samples = profile.samples.reduce((s, x) => s + (x.values[0] ?? 0), 0);
    const id = ctx.store.add(
      {
        kind: optionalText(meta.kind, 'meta.kind', 64) ?? 'cpu',
        source: 'upload',
        host: optionalText(meta.host, 'meta.host', 256) ?? hostname(),
        pid: pid ?? null,
        command: optionalText(meta.command, 'meta.command') ?? '',
        startedAt,
        settings,
      },
      { status: 'done', durationMs, profile, summary: { samples, uploaded: true }, warnings: [] },
    );
    return reply.status(201).send(ctx.store.get(id));
  };

  // An upload is a JSON document. Any other body (a pprof file, gzip, stray bytes) is read as bytes
  // here only to be answered with a sentence saying so, rather than the framework's bare 415.
  void app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/api/uploads', upload);
  });
}
