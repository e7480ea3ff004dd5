// HTTP status and body for errors: our typed errors carry the one sentence to show; a request the
// framework refused (bad JSON, too large) keeps its status; anything else is a 500 of ours.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FluoroError, NoSuchProcessError, NotSupportedError, PrivilegeError, TargetExitedError, UsageError } from '../errors.js';
import { ProfileFormatError } from '../model/serialize.js';

/** A request for something that is not there (a run, a profile). */
export class NotFoundError extends FluoroError {}

/** A request that conflicts with the state of things (cancel a run that has ended). */
export class ConflictError extends FluoroError {}

function statusOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ProfileFormatError) return 400;
  if (err instanceof NoSuchProcessError || err instanceof TargetExitedError) return 422;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof PrivilegeError || err instanceof NotSupportedError) return 503;
  const sc = (err as FastifyError | undefined)?.statusCode;
  if (typeof sc === 'number' && sc >= 400 && sc < 500) return sc;
  return 500;
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(err);
  const message =
    err instanceof FluoroError || err instanceof ProfileFormatError || status < 500
      ? (err as Error).message
      : 'internal error in the console; see its log';
  if (status >= 500) req.log.error(err);
  void reply.status(status).send({ error: message });
}
