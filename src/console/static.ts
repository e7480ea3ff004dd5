// The web UI: a handful of static files (plain JavaScript modules and CSS, no build step, no
// network), plus the flame graph viewer of the HTML format served as a script of its own. They
// hold no data, so they are served without the token; every byte of data comes through the API.
// The Content-Security-Policy allows scripts and styles from this origin only: even a name that
// slipped past escaping could not run as script.

import type { FastifyInstance } from 'fastify';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VIEWER_SCRIPT } from '../formats/viewer.js';

/** The web files live beside the sources (src/console/web), found from here in src or dist. */
function webDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const src = here.replace(/\/dist\/src\/console\/$/, '/src/console/');
  return src + 'web/';
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function load(): Map<string, { body: string; type: string }> {
  const files = new Map<string, { body: string; type: string }>();
  const dir = webDir();
  const walk = (sub: string) => {
    for (const e of readdirSync(dir + sub, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${sub}${e.name}/`);
      else {
        const ext = e.name.slice(e.name.lastIndexOf('.'));
        const type = TYPES[ext];
        if (type) files.set(`/ui/${sub}${e.name}`, { body: readFileSync(dir + sub + e.name, 'utf8'), type });
      }
    }
  };
  walk('');
  files.set('/ui/viewer.js', { body: VIEWER_SCRIPT, type: TYPES['.js']! });
  return files;
}

export function staticRoutes(app: FastifyInstance): void {
  const files = load();
  const send = (path: string) => files.get(path);
  app.get('/', async (_req, reply) => {
    const f = send('/ui/index.html')!;
    return reply.header('content-type', f.type).header('cache-control', 'no-store').send(f.body);
  });
  app.get('/ui/*', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const f = send(path);
    if (!f) return reply.status(404).header('content-type', 'text/plain').send('not found');
    return reply.header('content-type', f.type).header('cache-control', 'no-cache').send(f.body);
  });
}
