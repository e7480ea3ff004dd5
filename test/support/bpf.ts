// bpfTest: node:test's test() for tests that load BPF. Where this machine cannot run them
// (capability or kernel feature missing) the test is skipped with a sentence naming what is
// missing, except under CI, where the same sentence fails it: CI must never skip a BPF test.
import { execFileSync } from 'node:child_process';
import { test, type TestContext } from 'node:test';

import { bpfSourceDir } from '../../src/bpf/paths.js';
import { bpfSupportProblem, missingBpfPrivileges } from '../../src/proc/privileges.js';

type BpfTestFn = (t: TestContext) => void | Promise<void>;

let built = false;

/** Runs `make -C bpf` once per test process so tests never run against stale objects. */
export function ensureBpfBuilt(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', bpfSourceDir()], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

/** Why BPF tests cannot run here, or undefined when they can. */
export function bpfUnavailableReason(): string | undefined {
  return missingBpfPrivileges() ?? bpfSupportProblem();
}

export function bpfTest(name: string, fn: BpfTestFn, options: { timeout?: number } = {}): void {
  const reason = bpfUnavailableReason();
  const timeout = options.timeout ?? 60_000;
  if (reason === undefined) {
    test(name, { timeout }, (t) => {
      ensureBpfBuilt();
      return fn(t);
    });
  } else if (process.env.CI) {
    test(name, () => {
      throw new Error(`BPF test cannot run under CI: ${reason}`);
    });
  } else {
    test(name, { skip: reason }, () => {});
  }
}
