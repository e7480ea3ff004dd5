// User names for uids, from the host's /etc/passwd. A process in a container may have a uid that
// only its own image names; those show as the number, which is the honest answer from outside.

import { readBounded } from './procfs.js';

let names: Map<number, string> | undefined;

/** Parses passwd(5) text into uid → name (first entry wins, as getpwuid does). */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    if (f.length >= 3 && f[0] && f[2] !== '' && Number.isInteger(uid) && !out.has(uid)) out.set(uid, f[0]);
  }
  return out;
}

/** The user name of uid, or the uid as text when it has none. */
export function userName(uid: number): string {
  if (names === undefined) {
    try {
      names = parsePasswd(readBounded('/etc/passwd', 4 << 20).data.toString('utf8'));
    } catch {
      names = new Map();
    }
  }
  return names.get(uid) ?? String(uid);
}
