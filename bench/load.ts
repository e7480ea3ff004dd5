// wrk as the load generator: one thread on the CPU the target does not use, loopback only.

import { OTHER_CPU } from './target.js';
import { run } from './proc.js';

export function parseWrkRate(out: string): number {
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk printed no rate: ${out.slice(-300)}`);
  return Number(m[1]);
}

export async function wrk(url: string, seconds: number, connections = 32): Promise<number> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load only on loopback, not ${url}`);
  const r = await run(
    'taskset',
    ['-c', OTHER_CPU, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', url],
    (seconds + 15) * 1000,
  );
  return parseWrkRate(r.stdout);
}
