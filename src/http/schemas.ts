// Shared JSON schemas. Amounts are JSON integers (never strings or fractions); ids in paths
// are decimal strings checked by pattern and parsed to bigint.
export const MAX_JSON_INTEGER = Number.MAX_SAFE_INTEGER;

export const amount = { type: 'integer', minimum: 1, maximum: MAX_JSON_INTEGER } as const;
export const idParam = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
} as const;
export const cursorQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { cursor: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
} as const;
export const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
} as const;

export const bearer = [{ bearer: [] }];

/**
 * The Idempotency-Key header of a money request, declared as the route treats it: required
 * (a request without it is 400 IDEMPOTENCY_KEY_REQUIRED) or optional (replay protection when
 * given). Its format is checked by http/submit-money.ts, which says the rule in words.
 */
export const idempotencyHeaders = (required: boolean) =>
  ({
    type: 'object',
    ...(required ? { required: ['idempotency-key'] } : {}),
    properties: {
      'idempotency-key': {
        type: 'string',
        description:
          'Any 1-200 printable ASCII characters, new for each new request (a UUID will do). A retry with the same key and body returns the first answer; the same key with another body is 409.',
      },
    },
  }) as const;

export const parseId = (s: string): bigint => BigInt(s);
export const parseCursor = (q: { cursor?: string } | undefined): bigint | undefined =>
  q?.cursor === undefined ? undefined : BigInt(q.cursor);
