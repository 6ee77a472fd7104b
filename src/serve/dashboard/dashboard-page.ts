/**
 * The dashboard page at `/` and its assets at `/assets/{name}`: plain ES modules, a style
 * sheet and the chart library (uPlot, from its npm package), all served by optdb itself so
 * the page works without internet. Only the files listed here are served, by name: no
 * path from a request reaches the file system.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../api-error.js';

// Next to this module in src/ and in dist/ alike: `npm run build` copies them.
const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));
const UPLOT = path.dirname(createRequire(import.meta.url).resolve('uplot'));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// The page loads nothing from elsewhere and runs no inline script; other sites may not frame it.
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Assets change with each optdb version; a page is small enough to fetch again.
  'cache-control': 'no-cache',
};

const PAGE_ROUTES = new Set(['/', '/assets/:name']);

/**
 * Whether a route is the page or an asset: they hold no data, so a browser loads them
 * without the token, and the page then sends it with each of its own requests.
 */
export function isDashboardPage(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && PAGE_ROUTES.has(routeUrl);
}

function assetFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(ASSETS))
    if (name !== 'index.html' && path.extname(name) in TYPES) files.set(name, path.join(ASSETS, name));
  files.set('uPlot.esm.js', path.join(UPLOT, 'uPlot.esm.js'));
  files.set('uPlot.min.css', path.join(UPLOT, 'uPlot.min.css'));
  return files;
}

export function registerDashboardPage(app: FastifyInstance): void {
  const files = assetFiles();
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.headers(PAGE_HEADERS).type(TYPES['.html']!);
    return readFile(path.join(ASSETS, 'index.html'));
  });
  app.get('/assets/:name', { schema: { hide: true, params: z.object({ name: z.string() }) } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const file = files.get(name);
    if (file === undefined) throw new ApiError(404, `no such asset: ${name.slice(0, 100)}`);
    reply.headers(PAGE_HEADERS).type(TYPES[path.extname(name)]!);
    return readFile(file);
  });
}
