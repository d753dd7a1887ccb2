// Query strings as Fastify's parser reads them, with empty values dropped: `?cursor=` is the
// same as no cursor (docs/api.md and /docs write the parameter that way), so a client that
// fills a form with blanks gets the first page instead of a 400.
import { parse } from 'node:querystring';

export function parseQuery(raw: string): Record<string, string | string[]> {
  // No prototype: a parameter named __proto__ is just a parameter.
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of Object.entries(parse(raw))) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => !!v);
    if (values.length) out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}
