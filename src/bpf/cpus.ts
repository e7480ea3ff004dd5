// CPU lists as the kernel prints them ("0-3,8,10-11"). Possible CPUs size per-CPU map values;
// online CPUs get one perf event each.
import { readFileSync } from 'node:fs';

const MAX_CPUS = 1 << 16; // bounds a malformed list instead of allocating without limit

/** Parses "0-3,8" into [0, 1, 2, 3, 8]. Throws on malformed text. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`malformed CPU list: ${JSON.stringify(text)}`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || last >= MAX_CPUS) throw new Error(`malformed CPU list: ${JSON.stringify(text)}`);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

function readList(name: string): number[] {
  return parseCpuList(readFileSync(`/sys/devices/system/cpu/${name}`, 'utf8'));
}

let possible: number[] | undefined;

/** CPUs that can ever exist on this machine; fixed at boot, so read once. */
export function possibleCpus(): number[] {
  possible ??= readList('possible');
  return possible;
}

/** CPUs online right now. */
export function onlineCpus(): number[] {
  return readList('online');
}
