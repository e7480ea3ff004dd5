// nginx with one worker, from a config in a temporary prefix: a static file, or a CPU-bound Lua
// handler (content_by_lua_block) through Debian's ndk and lua modules.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrk } from './load.js';
import type { ChildProcess } from 'node:child_process';
import { childPids, exited, freePort, killGroup, sleep, start, waitFor } from './proc.js';
import { TARGET_CPU, type RunningTarget, type Target } from './target.js';

const MODULES = '/usr/lib/nginx/modules';

// Work that keeps the worker in the Lua VM: nested Lua calls, a builtin calling back into Lua
// (table.sort with a comparator) and string building, about a millisecond per request.
const LUA_HANDLER = `
    local function score(a, b) return (a * 7919) % 1009 < (b * 7919) % 1009 end
    local function shuffle(t, n)
      for i = 1, n do t[i] = (i * 2654435761) % 4294967296 end
      return t
    end
    local function work(n)
      local t = shuffle({}, n)
      table.sort(t, score)
      local parts = {}
      for i = 1, 64 do parts[#parts + 1] = tostring(t[i] % 997) end
      return table.concat(parts, ",")
    end
    local function handle() return work(2000) end
    ngx.say(handle())
`;

function config(prefix: string, port: number, lua: boolean): string {
  const modules = lua ? `load_module ${MODULES}/ndk_http_module.so;\nload_module ${MODULES}/ngx_http_lua_module.so;\n` : '';
  const location = lua ? `content_by_lua_block {${LUA_HANDLER}}` : 'root html;';
  return `${modules}
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp; proxy_temp_path ${prefix}/tmp; fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;
  server {
    listen 127.0.0.1:${port};
    location / { ${location} }
  }
}
`;
}

class NginxRun implements RunningTarget {
  constructor(
    readonly pid: number,
    private readonly master: ChildProcess,
    private readonly url: string,
    private readonly prefix: string,
  ) {}

  measure(seconds: number): Promise<number> {
    return wrk(this.url, seconds);
  }

  async stop(): Promise<void> {
    killGroup(this.master, 'SIGTERM');
    await exited(this.master, 5000);
    rmSync(this.prefix, { recursive: true, force: true });
  }
}

export function nginxTarget(lua: boolean): Target {
  return {
    name: lua ? 'nginx-lua' : 'nginx-static',
    description: lua
      ? 'nginx + lua module, one worker, a CPU-bound content_by_lua_block handler (sort with a Lua comparator, string building), under wrk'
      : 'nginx, one worker, a 4 KiB static file, under wrk',
    unit: 'req/s',
    lua,
    async start(): Promise<RunningTarget> {
      const prefix = mkdtempSync(join(tmpdir(), 'fluoro-bench-nginx-'));
      mkdirSync(join(prefix, 'html'));
      mkdirSync(join(prefix, 'tmp'));
      mkdirSync(join(prefix, 'logs'));
      writeFileSync(join(prefix, 'html', 'index.html'), 'x'.repeat(4096));
      const port = await freePort();
      writeFileSync(join(prefix, 'nginx.conf'), config(prefix, port, lua));
      // In the foreground, in its own process group: killAll ends it whatever happens.
      const master = start('taskset', ['-c', TARGET_CPU, 'nginx', '-p', prefix, '-c', join(prefix, 'nginx.conf')]);
      let stderr = '';
      master.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const masterPid = master.pid ?? 0;
      await waitFor('the nginx worker', () => {
        if (master.exitCode !== null) throw new Error(`nginx did not start: ${stderr.trim()}`);
        return childPids(masterPid).length > 0;
      }, 5000);
      const worker = childPids(masterPid)[0] ?? 0;
      const run1 = new NginxRun(worker, master, `http://127.0.0.1:${port}/`, prefix);
      await run1.measure(1); // warm up (and check it answers)
      await sleep(200);
      return run1;
    },
  };
}
