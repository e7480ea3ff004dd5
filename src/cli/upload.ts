// Sending a finished profile to a fluoro console (`fluoro cpu --upload URL --token T`).

import { hostname } from 'node:os';
import { FluoroError, UsageError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { toDocument } from '../model/serialize.js';

interface UploadMeta {
  kind: string;
  pid?: number;
  command?: string;
  startedAt: number;
  durationMs: number;
  settings: Record<string, unknown>;
}

/** The console's upload endpoint for a base URL given by the user. */
export function uploadEndpoint(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`--upload must be the console's URL, like http://127.0.0.1:7717, not ${JSON.stringify(base)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--upload must be an http:// or https:// URL');
  return new URL('api/uploads', url.href.endsWith('/') ? url.href : url.href + '/');
}

/** Posts the profile document; resolves to the new run's id, or throws one clear sentence. */
export async function uploadProfile(base: string, token: string, profile: Profile, meta: UploadMeta): Promise<number> {
  const url = uploadEndpoint(base);
  const body = JSON.stringify({ profile: toDocument(profile), meta: { ...meta, host: hostname() } });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FluoroError(`could not upload the profile to ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let reply: { id?: number; error?: string } = {};
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    // Not our console: the status says enough.
  }
  if (res.status === 401) throw new FluoroError(`the console at ${url.origin} refused the upload: the token is not valid`);
  if (!res.ok || typeof reply.id !== 'number') {
    throw new FluoroError(`the console at ${url.origin} refused the upload (HTTP ${res.status}${reply.error ? `: ${reply.error}` : ''})`);
  }
  return reply.id;
}
