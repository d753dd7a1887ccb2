// Checks every answer a test app gives against the OpenAPI document it serves (issue 11).
// recordContract(app) records (method, route, status, body) of each response, and the object
// the handler produced before serialization, and validates each at once with ajv against the
// document's response schema for that route and status:
//   - a status the route does not declare (exactly, or as 2XX/4XX) is a violation;
//   - the body on the wire must match the declared schema (a 204 or a 101 has none);
//   - the handler's own object must match the schema with no field beyond the declared ones:
//     serialization silently drops undeclared fields, so this is where a field a client relies
//     on would disappear.
// Answers of hidden routes (pages, static files, /docs, /metrics) are not in the document and
// are skipped; answers to unknown URLs must be the error envelope.
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface ContractRecord {
  method: string;
  /** The route as declared (`/v1/bets/:id`); undefined when no route matched. */
  route: string | undefined;
  hidden: boolean;
  status: number;
  contentType: string;
  /** The body as sent (a string), or undefined for a stream or an empty answer. */
  body: string | undefined;
  /** What the handler passed to send(), before serialization (objects only). */
  produced: unknown;
}

export interface ContractReport {
  /** Answers checked; answers of hidden routes skipped. */
  checked: number;
  skipped: number;
  /** `GET /v1/bets/{id} 200` for each route and status seen. */
  seen: Set<string>;
  violations: string[];
}

/**
 * Records each answer of `app` and checks it at once against the document the app serves; the
 * report grows as the app answers. Call before app.ready().
 */
export function recordContract(app: FastifyInstance): ContractReport {
  const report: ContractReport = { checked: 0, skipped: 0, seen: new Set(), violations: [] };
  let check: ((r: ContractRecord, into: ContractReport) => void) | undefined;
  const produced = new WeakMap<FastifyRequest, unknown>();
  app.addHook('preSerialization', async (req, _reply, payload) => {
    produced.set(req, payload);
    return payload;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const schema = req.routeOptions.schema as { hide?: boolean } | undefined;
    check ??= contractChecker(app.swagger());
    check(
      {
        method: req.method,
        route: req.routeOptions.url,
        hidden: schema?.hide === true,
        status: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        body: typeof payload === 'string' ? payload : undefined,
        produced: produced.get(req),
      },
      report,
    );
    return payload;
  });
  return report;
}

type Doc = { paths: Record<string, Record<string, Operation>> };
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };

/** Every object schema closed: no property beyond the declared ones. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = closed(v);
  const type = out.type;
  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (isObject && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function contractChecker(doc: object) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', ISO_TIME);
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addSchema(doc, 'doc');
  ajv.addSchema(closed(doc) as object, 'closed');
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ref: string) => {
    let v = compiled.get(ref);
    if (!v) compiled.set(ref, (v = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref })));
    return v;
  };
  const paths = (doc as Doc).paths;

  /** Checks one answer, adding to `report`. */
  return (r: ContractRecord, report: ContractReport): void => {
    const errors = (v: ValidateFunction) => ajv.errorsText(v.errors, { dataVar: 'body' });
    const json = r.body === undefined || r.body === '' ? undefined : tryJson(r.body);
    if (r.route === undefined) {
      // No route: the not-found handler or a framework error, in the envelope.
      const v = validator('doc#/components/schemas/Error');
      if (!v(json)) report.violations.push(`${r.method} (no route) ${r.status}: ${errors(v)}`);
      report.checked++;
      return;
    }
    const path = r.route.replace(/:(\w+)/g, '{$1}');
    const method = r.method === 'HEAD' ? 'get' : r.method.toLowerCase();
    const op = paths[path]?.[method];
    if (!op) {
      if (r.hidden || r.method === 'OPTIONS') report.skipped++;
      else report.violations.push(`${r.method} ${path} answered ${r.status} but is not in the document`);
      return;
    }
    report.checked++;
    const where = `${r.method} ${path} ${r.status}`;
    const key = [String(r.status), `${String(r.status)[0]}XX`, 'default'].find((k) => op.responses?.[k]);
    if (!key) {
      report.violations.push(`${where}: status not declared (${Object.keys(op.responses ?? {})})`);
      return;
    }
    report.seen.add(`${method.toUpperCase()} ${path} ${key}`);
    const content = op.responses![key]!.content;
    if (!content) {
      if (r.body)
        report.violations.push(`${where}: declared without a body, answered ${r.body.slice(0, 80)}`);
      return;
    }
    if (r.method === 'HEAD') return;
    // A route may declare another media type beside JSON (a report as text/csv): an answer in
    // that type is checked to be a non-empty text body; any other type must be the JSON.
    const other = Object.keys(content).find(
      (type) => type !== 'application/json' && r.contentType.startsWith(type),
    );
    if (other) {
      if (!r.body) report.violations.push(`${where}: ${other} declared, answered with no body`);
      return;
    }
    if (!content['application/json']) return;
    if (!r.contentType.startsWith('application/json')) {
      report.violations.push(`${where}: content-type ${r.contentType}, declared application/json`);
    }
    const at = pointer('paths', path, method, 'responses', key, 'content', 'application/json', 'schema');
    const sent = validator(`doc#/${at}`);
    if (!sent(json)) report.violations.push(`${where}: the body sent ${errors(sent)}`);
    if (r.produced !== undefined && typeof r.produced === 'object') {
      const whole = validator(`closed#/${at}`);
      if (!whole(r.produced)) {
        report.violations.push(
          `${where}: the handler's answer ${errors(whole)} (undeclared fields are dropped)`,
        );
      }
    }
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
