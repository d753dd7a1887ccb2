// Applies route-docs.ts to each route as Fastify adds it (onRoute in http/app.ts): the
// operation's summary, description and, where the route takes one, the optional
// Idempotency-Key header; and the OpenAPI path a Fastify URL is documented under.
import type { RouteOptions } from 'fastify';
import { ROUTE_DOCS } from './route-docs.ts';

/** OpenAPI's path for a Fastify URL: /v1/bets/:id -> /v1/bets/{id}. */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const optionalKey = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      description:
        'Optional: any 1-200 printable ASCII characters, new for each request; a retry with the same key and body returns the first answer.',
    },
  },
} as const;

/** onRoute: gives a documented route its summary, description and optional key header. */
export function documentRoute(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const method of methods) {
    const doc = ROUTE_DOCS[`${method} ${openApiPath(route.url)}`];
    if (!doc) continue;
    schema.summary ??= doc.summary;
    schema.description ??= doc.description;
    if (doc.idempotencyKey && !schema.headers) schema.headers = optionalKey;
  }
}
