// The player page at / and the operator page at /admin: static files from web/, which talk
// only to the public API and the gateway (no server-side rendering, no build step).
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Guards } from '../auth.ts';
import type { AppDeps } from '../deps.ts';

const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

// The pages load only their own scripts and talk only to this origin; a CSP makes an
// injected script (say, through a username) inert even if escaping were ever missed.
const CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const page = (file: string) => async (_req: unknown, reply: FastifyReply) =>
  reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').sendFile(file);

export function webRoutes(app: FastifyInstance, _deps: AppDeps, _guard: Guards): void {
  // wildcard: false registers one route per file at start, so unknown paths still reach the
  // API's JSON 404 handler instead of a static catch-all.
  void app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', wildcard: false, index: false });
  const html = { hide: true, response: { 200: { description: 'an HTML page', type: 'string' } } };
  app.get('/', { schema: html }, page('index.html'));
  app.get('/admin', { schema: html }, page('admin.html'));
  // The published rules (GET /v1/rules rendered; ?version=N for the version a round ran under).
  app.get('/rules', { schema: html }, page('rules.html'));
}
