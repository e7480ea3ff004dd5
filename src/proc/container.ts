// Is a process in a container, and which one? Two independent witnesses: the cgroup path, which
// container engines name after the container, and the namespaces, which say whether the process
// sees the same files and PIDs as we do. Neither alone is enough: systemd services often get a
// private mount namespace without being containers, and a container may share our PID namespace.

import { readlinkSync } from 'node:fs';
import { PROC, isGone, procError, readProcText } from './procfs.js';

type ContainerRuntime =
  | 'docker'
  | 'containerd'
  | 'cri-o'
  | 'podman'
  | 'kubernetes'
  | 'systemd-nspawn'
  | 'lxc';

export interface ContainerInfo {
  /** True when the cgroup names a container or the process has its own PID namespace. */
  inContainer: boolean;
  runtime?: ContainerRuntime;
  /** Short container id (12 hex digits) or the machine/container name. */
  id?: string;
  /** Namespace inode numbers ("mnt:[4026531841]" → 4026531841); 0 when unreadable. */
  mntNs: number;
  pidNs: number;
  /** The process has a mount namespace of its own: its paths are not ours (read via /proc/PID/root). */
  ownMountNs: boolean;
  ownPidNs: boolean;
  /** The PID as the process sees it inside its innermost PID namespace (NSpid, last field). */
  nsPid: number;
}

interface CgroupMatch {
  runtime: ContainerRuntime;
  id: string;
}

const HEX64 = '([0-9a-f]{64})';

// Checked in order: the specific engine first, the orchestrator only when no engine is named.
const PATTERNS: { re: RegExp; runtime: ContainerRuntime; name?: boolean }[] = [
  { re: new RegExp(`cri-containerd-${HEX64}\\.scope`), runtime: 'containerd' },
  { re: new RegExp(`crio-(?:conmon-)?${HEX64}`), runtime: 'cri-o' },
  { re: new RegExp(`libpod-(?:conmon-)?${HEX64}`), runtime: 'podman' },
  { re: new RegExp(`docker-${HEX64}\\.scope`), runtime: 'docker' },
  { re: new RegExp(`/docker/${HEX64}`), runtime: 'docker' },
  { re: new RegExp(`/containerd/${HEX64}`), runtime: 'containerd' },
  { re: new RegExp(`/kubepods[^\\n]*/${HEX64}`), runtime: 'kubernetes' },
  { re: new RegExp(`kubepods[^\\n]*-${HEX64}\\.scope`), runtime: 'kubernetes' },
  { re: /machine\.slice\/machine-([^/]+)\.scope/, runtime: 'systemd-nspawn', name: true },
  { re: /\/lxc\.payload[./]([^/]+)/, runtime: 'lxc', name: true },
  { re: /\/lxc\/([^/]+)/, runtime: 'lxc', name: true },
];

/** systemd escapes unit names ("my\x2dbox" for "my-box"); undo that for display. */
function unescapeUnit(name: string): string {
  return name.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Recognises a container in the text of /proc/PID/cgroup (v1 or v2). */
export function parseCgroup(text: string): CgroupMatch | undefined {
  for (const line of text.split('\n')) {
    // "hierarchy-id:controllers:path"; the path may itself contain ':'.
    const second = line.indexOf(':', line.indexOf(':') + 1);
    if (second < 0) continue;
    const path = line.slice(second + 1);
    for (const p of PATTERNS) {
      const m = p.re.exec(path);
      if (m) return { runtime: p.runtime, id: p.name ? unescapeUnit(m[1]!) : m[1]!.slice(0, 12) };
    }
  }
  return undefined;
}

/** The last NSpid of /proc/PID/status: the process's own idea of its PID. */
export function parseNsPid(status: string, fallback: number): number {
  const m = /^NSpid:\s*([\d\s]+)$/m.exec(status);
  const ids = m ? m[1]!.trim().split(/\s+/).map(Number) : [];
  const last = ids[ids.length - 1];
  return last !== undefined && Number.isInteger(last) ? last : fallback;
}

function nsInode(path: string): number {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(path));
    return m ? Number(m[1]) : 0;
  } catch (err) {
    if (isGone(err)) throw err;
    return 0; // Not allowed to look: report unknown rather than fail the whole answer.
  }
}

/** Container and namespace facts for one process. Throws NoSuchProcessError when it is gone. */
export function containerInfo(pid: number): ContainerInfo {
  const cgroup = parseCgroup(readProcText(pid, 'cgroup', 65536));
  const nsPid = parseNsPid(readProcText(pid, 'status', 16384), pid);
  let mntNs: number;
  let pidNs: number;
  try {
    mntNs = nsInode(`${PROC}/${pid}/ns/mnt`);
    pidNs = nsInode(`${PROC}/${pid}/ns/pid`);
  } catch (err) {
    throw procError(err, pid, 'ns');
  }
  const selfMnt = nsInode(`${PROC}/self/ns/mnt`);
  const selfPid = nsInode(`${PROC}/self/ns/pid`);
  const ownMountNs = mntNs !== 0 && selfMnt !== 0 && mntNs !== selfMnt;
  const ownPidNs = pidNs !== 0 && selfPid !== 0 && pidNs !== selfPid;
  const info: ContainerInfo = {
    inContainer: cgroup !== undefined || ownPidNs,
    mntNs,
    pidNs,
    ownMountNs,
    ownPidNs,
    nsPid,
  };
  if (cgroup) {
    info.runtime = cgroup.runtime;
    info.id = cgroup.id;
  }
  return info;
}

/** "docker:3f2a1b9c0d4e", or "-" when not in a container, for tables. */
export function containerLabel(c: ContainerInfo): string {
  if (c.runtime) return `${c.runtime}:${c.id ?? '?'}`;
  return c.inContainer ? 'pidns' : '-';
}
