// The console's access token: random, printed at start, required on every API call as
// "Authorization: Bearer TOKEN". Compared in constant time.

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when the request's Authorization header carries exactly `token`. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  // Hashing first gives equal lengths, so the comparison takes the same time for any guess.
  return timingSafeEqual(digest(m[1]!), digest(token));
}
