// A process that writes runs with profiles into a console store as fast as it can, for the store
// test to kill with SIGKILL in the middle of a write. Does nothing unless given a store path.
import { readFolded } from '../../src/formats/folded.js';
import { RunStore } from '../../src/console/store/store.js';

const path = process.argv[2];
if (path && process.argv[3] === '--write-until-killed') {
  const store = RunStore.open(path);
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(`main;handler_${i % 97};work_${i} ${1 + (i % 13)}`);
  const profile = readFolded(lines.join('\n'));
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const id = store.create({ kind: 'cpu', source: 'agent', host: 'crash', pid: 1, command: `writer ${i}`, startedAt: Date.now(), settings: {} });
    store.finish(id, { status: 'done', durationMs: 1, profile, summary: { samples: i } });
  }
}
