// The output formats as one list: name, file extensions, writer, and for formats we can read
// back, a reader and a sniffer. Commands pick a format by name or by the output path; readers
// pick one by looking at the bytes. Adding a format is adding an entry here.

import { FluoroError, UsageError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { readFolded, writeFolded } from './folded.js';
import { writeHtml } from './html.js';
import { isGzip, readPprof, writePprof } from './pprof.js';
import { isSpeedscope, readSpeedscope, writeSpeedscope } from './speedscope.js';
import { writeSvg } from './svg.js';

export type FormatName = 'folded' | 'pprof' | 'speedscope' | 'svg' | 'html';

interface WriteOptions {
  /** Title of the graph or profile, for formats that show one. */
  title?: string;
  /** Which sample type to draw, for single-value formats (default: the profile's default). */
  valueIndex?: number;
}

export interface Format {
  readonly name: FormatName;
  readonly description: string;
  /** Lower case, with the leading dot; the longest match wins in formatForPath. */
  readonly extensions: readonly string[];
  write(p: Profile, opts?: WriteOptions): Promise<Buffer | string>;
  read?: (buf: Uint8Array) => Profile;
  sniff?: (buf: Uint8Array) => boolean;
}

const vi = (o: WriteOptions): { valueIndex?: number } => (o.valueIndex !== undefined ? { valueIndex: o.valueIndex } : {});
const titled = (o: WriteOptions): { title?: string } => (o.title !== undefined ? { title: o.title } : {});

/** A folded line: frames, a space, a count; comments and blank lines are allowed before it. */
function looksFolded(buf: Uint8Array): boolean {
  const head = Buffer.from(buf.subarray(0, 64 * 1024)).toString('utf8');
  if (head.includes('\0')) return false;
  const first = head.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  return first !== undefined && /^\S.* \d+(\.\d+)?\s*$/.test(first);
}

export const FORMATS: readonly Format[] = [
  {
    name: 'pprof',
    description: 'gzipped pprof protobuf (go tool pprof, Pyroscope, Parca)',
    extensions: ['.pb.gz', '.pprof', '.pb'],
    write: (p) => writePprof(p),
    read: readPprof,
    sniff: isGzip,
  },
  {
    name: 'speedscope',
    description: 'speedscope JSON (speedscope.app)',
    extensions: ['.speedscope.json'],
    write: async (p, o = {}) => writeSpeedscope(p, o.title),
    read: readSpeedscope,
    sniff: isSpeedscope,
  },
  {
    name: 'folded',
    description: 'folded stacks, one "frame;frame count" line per stack (FlameGraph)',
    extensions: ['.folded', '.txt', '.collapsed'],
    write: async (p, o = {}) => writeFolded(p, vi(o)),
    read: (buf) => {
      try {
        return readFolded(Buffer.from(buf).toString('utf8'));
      } catch (e) {
        throw new FluoroError(`not a readable folded profile (${(e as Error).message})`);
      }
    },
    sniff: looksFolded,
  },
  {
    name: 'svg',
    description: 'static flame graph image',
    extensions: ['.svg'],
    write: async (p, o = {}) => writeSvg(p, { ...titled(o), ...vi(o) }),
  },
  {
    name: 'html',
    description: 'interactive flame graph, one self-contained file',
    extensions: ['.html', '.htm'],
    write: async (p, o = {}) => writeHtml(p, { ...titled(o), ...vi(o) }),
  },
];

export function formatByName(name: string): Format {
  const f = FORMATS.find((x) => x.name === name);
  if (!f) throw new UsageError(`unknown format "${name}"; choose one of ${FORMATS.map((x) => x.name).join(', ')}`);
  return f;
}

/** The format an output path asks for by its extension, or undefined when none matches. */
export function formatForPath(path: string): Format | undefined {
  const lower = path.toLowerCase();
  let best: Format | undefined;
  let bestLen = 0;
  for (const f of FORMATS) {
    for (const ext of f.extensions) {
      if (lower.endsWith(ext) && ext.length > bestLen) {
        best = f;
        bestLen = ext.length;
      }
    }
  }
  return best;
}

/** Reads a profile in any readable format, recognized by its content. */
export function readAnyProfile(buf: Uint8Array): Profile {
  for (const f of FORMATS) {
    if (f.read && f.sniff?.(buf)) return f.read(buf);
  }
  const readable = FORMATS.filter((f) => f.read).map((f) => f.name);
  throw new FluoroError(`not a profile fluoro can read (expected ${readable.join(', ')})`);
}
