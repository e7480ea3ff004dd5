// Runtime detection: which language runtimes live in a process, told from what it maps and from its
// executable. Each runtime has a detector that answers with a match or "not mine". Detection is
// cheap on purpose (file names, and for Go the section names of the executable) because `fluoro ps`
// runs it on every process. The runtime plugins (registry.ts) are built on these detectors.

import { ElfFile } from '../elf/elf.js';
import { identityKey } from '../elf/file-reader.js';
import { NoSuchProcessError } from '../errors.js';
import { baseName, isFileBacked, readMaps, type Mapping } from '../proc/maps.js';
import { PROC } from '../proc/procfs.js';
import { readlinkSync, statSync } from 'node:fs';

export type RuntimeName = 'luajit' | 'python' | 'php' | 'perl' | 'go' | 'node' | 'ruby';

export interface RuntimeMatch {
  name: RuntimeName;
  /** A version hint from a file name ("3.11", "2.1.0"); absent when names do not tell. */
  version?: string;
  /** The file that gave the runtime away: a mapped library, a module, or the executable. */
  file: string;
}

/** The executable of a process: its path as the process sees it, and a path we can read. */
export interface ExeRef {
  path: string;
  /** Readable from our namespace (e.g. /proc/PID/exe); defaults to `path`. */
  file?: string;
}

export interface RuntimeDetector {
  name: RuntimeName;
  detect(maps: readonly Mapping[], exe: ExeRef | undefined): RuntimeMatch | undefined;
}

function firstGroup(m: RegExpExecArray): string | undefined {
  for (let i = 1; i < m.length; i++) if (m[i]) return m[i];
  return undefined;
}

/** The first non-empty capture group of a name rule is its version hint. */
function match(name: RuntimeName, file: string, m: RegExpExecArray): RuntimeMatch {
  const version = firstGroup(m);
  return version === undefined ? { name, file } : { name, version, file };
}

/**
 * A detector from file-name rules on the executable and on every file-backed mapping. A match that
 * carries a version hint wins over one that does not (the "luajit" executable says less than the
 * libluajit-5.1.so.2.1.0 it maps). `pathContains` catches modules known by a fragment of their path.
 */
function byNames(name: RuntimeName, rules: { exe?: RegExp[]; lib?: RegExp[]; pathContains?: string[] }): RuntimeDetector {
  return {
    name,
    detect(maps, exe) {
      let found: RuntimeMatch | undefined;
      if (exe) {
        const base = baseName(exe.path);
        for (const re of rules.exe ?? []) {
          const m = re.exec(base);
          if (m) found ??= match(name, exe.path, m);
        }
        if (found?.version) return found;
      }
      for (const map of maps) {
        if (!isFileBacked(map)) continue;
        const base = baseName(map.path);
        for (const re of rules.lib ?? []) {
          const m = re.exec(base);
          if (!m) continue;
          const r = match(name, map.path, m);
          if (r.version) return r;
          found ??= r;
        }
        for (const frag of rules.pathContains ?? []) {
          if (map.path.includes(frag)) found ??= { name, file: map.path };
        }
      }
      return found;
    },
  };
}

// Go binaries are static and their names say nothing; their sections do. Parsing section headers
// costs a few reads, so answers are cached per file identity (bounded: a host has few distinct exes).
const goCache = new Map<string, boolean>();
const GO_CACHE_MAX = 4096;
const GO_SECTIONS = new Set(['.go.buildinfo', '.gopclntab', '.note.go.buildid']);

function isGoBinary(file: string): boolean {
  let key: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return false;
    key = identityKey({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
  } catch {
    return false;
  }
  const known = goCache.get(key);
  if (known !== undefined) return known;
  let go = false;
  try {
    go = ElfFile.open(file).sections.some((s) => GO_SECTIONS.has(s.name));
  } catch {
    go = false; // Not ELF, not ELF64, or unreadable: not something we can call Go.
  }
  if (goCache.size >= GO_CACHE_MAX) goCache.clear();
  goCache.set(key, go);
  return go;
}

const go: RuntimeDetector = {
  name: 'go',
  detect(_maps, exe) {
    return exe && isGoBinary(exe.file ?? exe.path) ? { name: 'go', file: exe.path } : undefined;
  },
};

export const luajitDetector = byNames('luajit', {
  exe: [/^luajit(?:-(\d[\w.~+-]*))?$/],
  lib: [/^libluajit-5\.1\.so(?:\.(\d[\w.]*))?$/],
  // nginx with the lua module as a dynamic module; OpenResty links it in and maps libluajit.
  pathContains: ['ngx_http_lua'],
});

export const pythonDetector = byNames('python', {
  exe: [/^python(\d+(?:\.\d+)?)?$/],
  lib: [/^libpython(\d+\.\d+)[a-z]*\.so/],
});

export const phpDetector = byNames('php', {
  exe: [/^php(\d+(?:\.\d+)?)?(?:-(?:fpm|cgi|cli))?(\d+(?:\.\d+)?)?$/],
  lib: [/^libphp(\d+(?:\.\d+)?)?\.so/],
});

export const perlDetector = byNames('perl', {
  exe: [/^perl(5(?:\.\d+)*)?$/],
  lib: [/^libperl\.so(?:\.(\d+\.\d+))?/],
});

export const goDetector = go;

export const nodeDetector = byNames('node', {
  exe: [/^(?:node|nodejs)$/],
  lib: [/^libnode\.so/],
});

export const rubyDetector = byNames('ruby', {
  exe: [/^ruby(\d+\.\d+)?$/],
  lib: [/^libruby(?:-(\d+\.\d+)(?:\.\d+)?)?\.so(?:\.(\d+\.\d+))?/],
});

/**
 * A live process's maps and executable, as detectors read them. Throws NoSuchProcessError when it
 * is gone; a process whose maps we may not read shows none.
 */
export function processView(pid: number): { maps: Mapping[]; exe: ExeRef | undefined } {
  let exe: ExeRef | undefined;
  try {
    exe = { path: readlinkSync(`${PROC}/${pid}/exe`).replace(/ \(deleted\)$/, ''), file: `${PROC}/${pid}/exe` };
  } catch {
    exe = undefined; // kernel thread, or not ours to look at
  }
  let maps: Mapping[];
  try {
    maps = readMaps(pid);
  } catch (err) {
    if (err instanceof NoSuchProcessError) throw err;
    maps = [];
  }
  return { maps, exe };
}
