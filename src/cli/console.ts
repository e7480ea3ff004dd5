// `fluoro console`: the web console on this host — processes, analyses, history, flame graphs,
// comparisons — with its store in SQLite. Loopback only unless --listen says otherwise.

import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LocalAgent } from '../agent/local.js';
import { newToken } from '../console/auth.js';
import { createConsole } from '../console/server.js';
import { RunStore } from '../console/store/store.js';
import { FluoroError, UsageError } from '../errors.js';
import { terminalSafe } from './output.js';

interface ConsoleFlags {
  listen: string;
  db?: string;
  token?: string;
}

interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:7717", "7717", "0.0.0.0", "[::1]:8080" → host and port. */
function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+))?(?::(\d{1,5}))?$/.exec(text.trim());
  const onlyPort = /^\d{1,5}$/.test(text.trim());
  if (!m || text.trim() === '') throw new UsageError(`--listen must be HOST:PORT, HOST or PORT, not ${JSON.stringify(text)}`);
  const host = onlyPort ? '127.0.0.1' : (m[1] ?? m[2] ?? '127.0.0.1');
  const port = Number(onlyPort ? text.trim() : (m[3] ?? '7717'));
  if (port > 65535) throw new UsageError(`--listen port must be 0 to 65535, not ${port}`);
  return { host, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultDb(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'fluoro', 'console.db');
}

export function registerConsole(program: Command): void {
  program
    .command('console')
    .description('start the web console: processes, CPU analyses, history, flame graphs and comparisons')
    .option('--listen <addr>', 'address to listen on: HOST:PORT, HOST or PORT', '127.0.0.1:7717')
    .option('--db <file>', 'SQLite store of runs and profiles (default: ~/.local/state/fluoro/console.db)')
    .option('--token <token>', 'access token to require (default: a new random one, or $FLUORO_CONSOLE_TOKEN)')
    .addHelpText(
      'after',
      `
Every API call needs the token, sent as "Authorization: Bearer TOKEN"; the URL printed at start
carries it for the browser. Listening on anything but loopback exposes the console to the network.

Examples:
  fluoro console                            http://127.0.0.1:7717, store in ~/.local/state/fluoro
  fluoro console --listen 0.0.0.0:7717      reachable from other hosts (mind the token)
  fluoro cpu -p 4242 --upload http://127.0.0.1:7717 --token T   send a profile to a console`,
    )
    .action(async (flags: ConsoleFlags) => {
      const addr = parseListen(flags.listen);
      const token = flags.token ?? process.env.FLUORO_CONSOLE_TOKEN ?? newToken();
      if (!/^[A-Za-z0-9._~+/=-]{16,200}$/.test(token)) throw new UsageError('--token must be 16 to 200 characters of letters, digits or ._~+/=-');
      const dbPath = flags.db ?? defaultDb();
      const store = RunStore.open(dbPath);
      const abandoned = store.failAbandoned('the console stopped while this run was in progress');
      const server = createConsole({ agent: new LocalAgent(), store, token });
      let url: string;
      try {
        url = await server.app.listen({ host: addr.host, port: addr.port });
      } catch (err) {
        store.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new FluoroError(`cannot listen on ${flags.listen}: the address is in use`);
        throw new FluoroError(`cannot listen on ${flags.listen}: ${(err as Error).message}`);
      }
      const bound = server.app.server.address();
      const port = typeof bound === 'object' && bound ? bound.port : addr.port;
      const shownHost = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
      if (!isLoopback(addr.host)) {
        process.stderr.write(
          `fluoro: warning: the console listens on ${terminalSafe(addr.host)}, reachable from the network; anyone with the token can profile processes on this host. Traffic is not encrypted.\n`,
        );
      }
      process.stdout.write(
        [
          `fluoro console on ${url.replace(/\/\/[^/]*/, `//${shownHost}:${port}`)}`,
          `  open:  http://${isLoopback(addr.host) || addr.host === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}/#token=${token}`,
          `  token: ${token}`,
          `  store: ${terminalSafe(dbPath)}${abandoned ? ` (${abandoned} interrupted run(s) marked failed)` : ''}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      store.close();
    });
}
