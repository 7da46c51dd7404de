import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The web dashboard (web/, built by scripts/setup.sh into web/dist) at /app, same origin as the
 * API, no CDN. Paths under /app that are not files get index.html: the page routes in the browser.
 */

export const DASHBOARD_PREFIX = '/app';
const DEFAULT_DIR = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist'));

export async function registerDashboard(app: FastifyInstance, dir = DEFAULT_DIR): Promise<void> {
  if (!existsSync(join(dir, 'index.html'))) {
    app.get(`${DASHBOARD_PREFIX}*`, { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/plain').send('The dashboard is not built: run `bash scripts/setup.sh` (it builds web/ into web/dist).'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dir, prefix: `${DASHBOARD_PREFIX}/`, wildcard: false, index: ['index.html'] });
  app.get(DASHBOARD_PREFIX, { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${DASHBOARD_PREFIX}/`));
  app.get(`${DASHBOARD_PREFIX}/*`, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html'),
  );
}
