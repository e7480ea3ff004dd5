// A collector declared in one file, as a new one would be, for the contract test: it reads no
// process, counts to `count` in steps and returns a small profile weighted in "ticks", so it runs
// anywhere without privileges. Each parameter type appears once.

import type { Collector } from '../../src/collectors/collector.js';
import { ProfileBuilder } from '../../src/model/builder.js';

/** The values the last run was given, for the test to compare with the declared defaults. */
export const lastRun: { params?: Record<string, unknown>; pids?: number[] } = {};

export const tallyCollector: Collector = {
  name: 'tally',
  title: 'Tally',
  description: 'count to a number in steps (a collector for tests)',
  targets: 'one',
  params: [
    { name: 'windowMs', label: 'Window', type: 'duration', flag: '-w, --window', default: 1500, min: 200, max: 90_000, help: 'how long to count' },
    { name: 'count', label: 'Count', type: 'integer', default: 7, min: 3, max: 40, unit: 'ticks', help: 'how far to count' },
    {
      name: 'step', label: 'Step', type: 'choice', default: 'one', help: 'how to step',
      choices: [{ value: 'one', label: 'By one' }, { value: 'two', label: 'By two' }],
    },
    { name: 'loud', label: 'Loud', type: 'boolean', default: true, help: 'say each number' },
  ],
  async run(target, params) {
    lastRun.params = { ...params };
    lastRun.pids = target.pids;
    const b = new ProfileBuilder([{ type: 'ticks', unit: 'count' }], { periodType: { type: 'ticks', unit: 'count' }, period: 1 });
    const stepBy = params.step === 'two' ? 2 : 1;
    for (let i = 0; i < Number(params.count); i += stepBy) b.add([b.frame('native', `tick${i % 3}`)], [1]);
    return { profile: b.build(), interrupted: false, exited: [], warnings: [], summary: { counted: params.count } };
  },
};
