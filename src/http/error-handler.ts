// The one error handler: AppError -> its status and code; Fastify's own client errors ->
// stable codes; anything unexpected -> 500 with the detail only in the log.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, appError, fromPgError, guardOf } from '../errors.ts';

function clientError(err: FastifyError): AppError | undefined {
  if (err.validation) {
    const first = err.validation[0];
    const where = err.validationContext ?? 'request';
    // The header is declared required (so /docs shows it); its absence keeps its own code.
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    if (where === 'headers' && missing === 'idempotency-key') return appError('IDEMPOTENCY_KEY_REQUIRED');
    const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
    const isAmount =
      /(^|\.)amount$/.test(field) ||
      (first?.params as { missingProperty?: string })?.missingProperty === 'amount';
    const message = `${where}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`;
    // The field and the rule's words only: never the validator's own objects (schema paths, params).
    return appError(
      isAmount && field ? 'INVALID_AMOUNT' : 'VALIDATION',
      message,
      field ? { field } : undefined,
    );
  }
  if (err.statusCode === 429) {
    // @fastify/rate-limit throws what its errorResponseBuilder returned (our error body).
    const body = err as unknown as { error?: { message?: string } };
    return appError('RATE_LIMITED', body.error?.message ?? err.message);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500 && err.code?.startsWith('FST_')) {
    // Fastify's own words can name internals (parsers, plugins); ours are stable.
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return appError('UNSUPPORTED_MEDIA_TYPE');
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return appError('PAYLOAD_TOO_LARGE');
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return appError('VALIDATION', 'The JSON body is empty');
    if (err.code.includes('JSON')) return appError('VALIDATION', 'The request body is not valid JSON');
    return appError('VALIDATION');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // The JSON parser's own message quotes the body back; say what is wrong in our words.
    return appError(
      'VALIDATION',
      err instanceof SyntaxError ? 'The request body is not valid JSON' : undefined,
    );
  }
  return undefined;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = err instanceof AppError ? err : (clientError(err) ?? fromPgError(err));
    // A refusal by the database names its guard (migration 0026); the log says which one fired.
    const guard = guardOf(err);
    if (known) {
      if (guard) req.log.debug({ code: known.code, guard }, 'refused by a database guard');
      if (known.code === 'OVERLOADED') void reply.header('retry-after', '1');
      else if (known.code === 'LOGIN_THROTTLED') {
        const wait = (known.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1;
        void reply.header('retry-after', String(wait));
      } else if (known.status >= 500) req.log.warn({ err, guard }, 'dependency error');
      return reply.status(known.status).send(known.toBody());
    }
    req.log.error({ err, guard }, 'unhandled error');
    return reply.status(500).send(appError('INTERNAL').toBody());
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(appError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`).toBody()),
  );
}
