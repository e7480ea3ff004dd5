// Processes and threads as /proc describes them. A PID alone does not name a process for long:
// PIDs are reused, so (pid, startTime) is the identity to keep when something must outlive a moment.

import { readdirSync, readlinkSync } from 'node:fs';
import { NoSuchProcessError, PrivilegeError } from '../errors.js';
import { PROC, isGone, procError, readProcText } from './procfs.js';

interface ThreadInfo {
  tid: number;
  comm: string;
}

/** What /proc/PID/stat says, parsed. Field numbers in comments are those of proc(5). */
interface ProcStat {
  pid: number;
  comm: string;
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, t traced, I idle, X dead. */
  state: string;
  ppid: number;
  /** CPU time in clock ticks, all threads together (fields 14 and 15). */
  utime: number;
  stime: number;
  threadCount: number;
  /** Clock ticks after boot when the process started (field 22). */
  startTime: number;
}

export interface ProcessSummary {
  pid: number;
  ppid: number;
  comm: string;
  /** Arguments, bounded: at most MAX_CMDLINE_BYTES of them are read. Empty for kernel threads. */
  cmdline: string[];
  /** The executable as the process sees it; undefined when it cannot be read (kernel thread, privileges). */
  exe?: string;
  state: string;
  threadCount: number;
  startTime: number;
  /** Real user id. */
  uid: number;
}

interface ProcessInfo extends ProcessSummary {
  threads: ThreadInfo[];
}

const MAX_CMDLINE_BYTES = 4096;

/**
 * Parses the text of /proc/PID/stat. The command name sits in parentheses and may itself contain
 * spaces, parentheses and even newlines, so the fields are found after the *last* ')'.
 */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`malformed stat line: ${JSON.stringify(text.slice(0, 80))}`);
  const f = text.slice(close + 2).trim().split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  const field = (n: number): number => Number(f[n - 3]);
  const st: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '?',
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    threadCount: field(20),
    startTime: field(22),
  };
  if (!Number.isInteger(st.pid) || !Number.isFinite(st.startTime)) {
    throw new Error(`malformed stat line: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return st;
}

export function readStat(pid: number): ProcStat {
  return parseStat(readProcText(pid, 'stat', 4096));
}

/** Splits a NUL-separated cmdline; a trailing NUL does not make an extra empty argument. */
export function parseCmdline(raw: string): string[] {
  if (raw.length === 0) return [];
  const parts = raw.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function realUid(status: string): number {
  const m = /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : -1;
}

function readExe(pid: number): string | undefined {
  try {
    return readlinkSync(`${PROC}/${pid}/exe`);
  } catch {
    // Kernel threads have no executable, and other users' processes need privileges to look.
    return undefined;
  }
}

function summary(pid: number): ProcessSummary {
  const st = readStat(pid);
  const cmdline = parseCmdline(readProcText(pid, 'cmdline', MAX_CMDLINE_BYTES));
  const uid = realUid(readProcText(pid, 'status', 16384));
  const info: ProcessSummary = {
    pid: st.pid,
    ppid: st.ppid,
    comm: st.comm,
    cmdline,
    state: st.state,
    threadCount: st.threadCount,
    startTime: st.startTime,
    uid,
  };
  const exe = readExe(pid);
  if (exe !== undefined) info.exe = exe;
  return info;
}

/** The threads of a process; threads that exit while we list them are left out. */
function listThreads(pid: number): ThreadInfo[] {
  let names: string[];
  try {
    names = readdirSync(`${PROC}/${pid}/task`);
  } catch (err) {
    throw procError(err, pid, 'task');
  }
  const out: ThreadInfo[] = [];
  for (const name of names) {
    const tid = Number(name);
    if (!Number.isInteger(tid)) continue;
    try {
      const comm = readProcText(pid, `task/${tid}/comm`, 64).replace(/\n$/, '');
      out.push({ tid, comm });
    } catch (err) {
      if (!(err instanceof NoSuchProcessError)) throw err;
    }
  }
  return out.sort((a, b) => a.tid - b.tid);
}

/** Everything about one process. Throws NoSuchProcessError for an unknown (or vanished) PID. */
export function processInfo(pid: number): ProcessInfo {
  if (!Number.isInteger(pid) || pid <= 0) throw new NoSuchProcessError(pid);
  const s = summary(pid);
  return { ...s, threads: listThreads(pid) };
}

/** True when a process with this PID exists now (and, if startTime is given, is the same one). */
export function processExists(pid: number, startTime?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const st = readStat(pid);
    return startTime === undefined || st.startTime === startTime;
  } catch (err) {
    if (err instanceof NoSuchProcessError) return false;
    throw err;
  }
}

/** The PIDs under /proc now (processes only, not their threads). */
export function listPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync(PROC)) {
    if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) {
      const pid = Number(name);
      if (Number.isInteger(pid)) out.push(pid);
    }
  }
  return out.sort((a, b) => a - b);
}

/** A summary of every process visible; processes that exit while we list them are left out. */
export function listProcesses(): ProcessSummary[] {
  const out: ProcessSummary[] = [];
  for (const pid of listPids()) {
    try {
      out.push(summary(pid));
    } catch (err) {
      // Gone, or hidden from us (procfs mounted with hidepid): not part of what we can show.
      if (err instanceof NoSuchProcessError || err instanceof PrivilegeError || isGone(err)) continue;
      throw err;
    }
  }
  return out;
}
