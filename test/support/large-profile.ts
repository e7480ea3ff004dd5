// A large profile shaped like a busy OpenResty worker: 100,000 distinct stacks under a common
// nginx trunk, ten Lua routes, a hundred handlers and a thousand operations. The browser test and
// the benchmark of the flame graph page both use it.

import { ProfileBuilder } from '../../src/model/builder.js';
import type { Location, Profile } from '../../src/model/profile.js';

export function largeProfile(stacks = 100_000): Profile {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const common = ['main', 'ngx_worker_process_cycle', 'ngx_process_events_and_timers', 'ngx_epoll_process_events'].map((n) => b.frame('native', n));
  const lua = Array.from({ length: 10 }, (_, i) => b.frame('lua', `route${i}`, `app/routes.lua`, 10 + i));
  const mid = Array.from({ length: 100 }, (_, i) => b.frame('lua', `handler_${i}`, `app/handlers/h${i % 17}.lua`, 100 + i));
  const ops = Array.from({ length: 1000 }, (_, i) => b.frame(i % 3 === 0 ? 'lua-builtin' : 'native', `op_${i}`));
  const leaves = Array.from({ length: 10 }, (_, i) => b.frame(i < 4 ? 'kernel' : 'native', `leaf_${i}`));
  for (let i = 0; i < stacks; i++) {
    const stack: Location[] = [leaves[i % 10]!, ops[Math.floor(i / 10) % 1000]!, mid[Math.floor(i / 1000) % 100]!, lua[Math.floor(i / 10_000) % 10]!, ...[...common].reverse()];
    b.add(stack, 1 + ((i * 7919) % 13));
  }
  return b.build();
}
