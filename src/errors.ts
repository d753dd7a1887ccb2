// Stable error codes, one AppError, and the one place where Postgres SQLSTATEs become
// domain errors. Routes never build error bodies themselves.

export const ErrorCodes = {
  VALIDATION: { status: 400, message: 'The request is not valid' },
  INVALID_AMOUNT: { status: 400, message: 'Amount must be a positive integer within limits' },
  INVALID_SIDE: { status: 400, message: 'Unknown side' },
  CONFIG_INVALID: { status: 400, message: 'The configuration change breaks a rule of the game' },
  REASON_REQUIRED: { status: 400, message: 'Give a reason: this back-office action is audited' },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, message: 'This request needs an Idempotency-Key header' },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid token' },
  TOKEN_EXPIRED: { status: 401, message: 'The access token has expired: refresh it' },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  PAYMENT_SIGNATURE_INVALID: {
    status: 401,
    message: 'The payment callback is not signed with the shared secret',
  },
  FORBIDDEN: { status: 403, message: 'Not allowed' },
  SUSPENDED: {
    status: 403,
    message: 'The account is suspended: bets and withdrawals are refused, funds are kept',
  },
  FOUR_EYES_OWN_REQUEST: {
    status: 403,
    message: 'A second, different operator must approve this request, not the one who made it',
  },
  ROLE_CHANGE_REFUSED: { status: 403, message: 'This role change is not allowed' },
  SELF_EXCLUDED: {
    status: 403,
    message: 'You are self-excluded: bets and deposits are refused until it ends',
  },
  TIMED_OUT: {
    status: 403,
    message: 'You are taking a time-out: bets and deposits are refused until it ends',
  },
  LIMIT_REACHED: { status: 403, message: 'This would pass a deposit, stake or loss limit the player set' },
  DEMO_FUNDS_OFF: { status: 403, message: 'Demo funds are only offered in demo mode' },
  PAYMENTS_OFF: { status: 403, message: 'Deposits through a payment provider are not set up here' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  USERNAME_TAKEN: { status: 409, message: 'That username is taken' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: 'Idempotency-Key reused with a different request' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still running' },
  DEPOSIT_REFERENCE_CONFLICT: { status: 409, message: 'Deposit reference reused with a different deposit' },
  ROUND_NOT_OPEN: { status: 409, message: 'The round is not open for bets' },
  ROUND_NOT_REVEALED: { status: 409, message: 'The round has not revealed its seed yet' },
  ROUND_NOT_VOIDABLE: { status: 409, message: 'The round is already settled or voided' },
  BET_NOT_CANCELLABLE: { status: 409, message: 'Nothing of this bet can be cancelled' },
  WITHDRAWAL_DECIDED: { status: 409, message: 'The withdrawal is already decided' },
  APPROVAL_REQUIRED: { status: 409, message: 'This action now needs a second operator: request it again' },
  APPROVAL_DECIDED: { status: 409, message: 'The approval is already decided' },
  PAYMENT_MISMATCH: { status: 409, message: 'The payment does not match the deposit that was started' },
  CONFIG_UNCHANGED: { status: 409, message: 'The change gives the current configuration again' },
  CONFIG_NOT_SEEDED: { status: 409, message: 'No configuration version exists yet' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON with Content-Type: application/json' },
  INSUFFICIENT_FUNDS: { status: 422, message: 'Insufficient funds' },
  LIMIT_EXCEEDED: { status: 422, message: 'Amount outside the allowed limits' },
  EXPOSURE_CAP: { status: 422, message: "The bet would pass the account's stake cap for one round" },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  DEMO_FUNDS_TOO_SOON: { status: 429, message: 'Demo funds were added a moment ago; try again later' },
  LOGIN_THROTTLED: { status: 429, message: 'Too many failed logins for this username; retry later' },
  UNAVAILABLE: { status: 503, message: 'A dependency is unavailable' },
  OVERLOADED: { status: 503, message: 'Too many operations are waiting; retry shortly' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? ErrorCodes[code].message);
    this.name = 'AppError';
    this.status = ErrorCodes[code].status;
  }

  toBody(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const appError = (code: ErrorCode, message?: string, details?: unknown): AppError =>
  new AppError(code, message, details);

interface PgErrorLike {
  code?: string;
  constraint?: string;
  message?: string;
}

const isPgError = (err: unknown): err is PgErrorLike =>
  typeof err === 'object' && err !== null && typeof (err as PgErrorLike).code === 'string';

const PROTECTION_REFUSALS: Record<string, ErrorCode> = {
  player_self_excluded: 'SELF_EXCLUDED',
  player_timed_out: 'TIMED_OUT',
  player_limit_reached: 'LIMIT_REACHED',
};

// Back-office rules the database enforces (migration 0019), by the constraint the refusal names.
const BACK_OFFICE_REFUSALS: Record<string, ErrorCode> = {
  account_suspended: 'SUSPENDED',
  approval_second_operator: 'FOUR_EYES_OWN_REQUEST',
  users_role_side: 'ROLE_CHANGE_REFUSED',
};

/**
 * SQLSTATE -> AppError, for the errors a client can cause. Anything else stays unknown (500).
 * The AppError keeps the database error as its cause, so guardOf() still names the guard.
 */
export function fromPgError(err: unknown): AppError | undefined {
  if (!isPgError(err)) return undefined;
  const known = pgRefusal(err);
  if (known) known.cause = err;
  return known;
}

/**
 * The guard a database refusal names: a CHECK, a unique index, or a trigger's
 * `CONSTRAINT = '...'` (migration 0026), looked up through an error's causes. For logs and
 * tests; the answer to a client stays its error code.
 */
export function guardOf(err: unknown): string | undefined {
  let at = err;
  for (let depth = 0; depth < 5 && typeof at === 'object' && at !== null; depth++) {
    const name = (at as PgErrorLike).constraint;
    if (typeof name === 'string' && name !== '') return name;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

function pgRefusal(err: PgErrorLike): AppError | undefined {
  if (err.constraint && err.constraint in BACK_OFFICE_REFUSALS)
    return appError(BACK_OFFICE_REFUSALS[err.constraint]!);
  // A claim of a key that a claimer on the other side of midnight holds (migration 0028): the
  // key is used; the client's retry gets that claim's answer.
  if (err.code === '23505' && err.constraint === 'idempotency_keys_shadowed')
    return appError('IDEMPOTENCY_IN_PROGRESS');
  if (err.code === '23514' && err.constraint === 'wallet_never_negative')
    return appError('INSUFFICIENT_FUNDS');
  // Player protection's backstop (migration 0021): the statement's stake or deposit was ruled out.
  if (err.code === '23514' && err.constraint && err.constraint in PROTECTION_REFUSALS)
    return appError(PROTECTION_REFUSALS[err.constraint]!);
  // A row beyond the last partition (the scheduler leader creates them ahead; it fell behind or
  // is down): the write may be retried once it catches up. Not the client's fault, not a crash.
  if (err.code === '23514' && /^no partition of relation/.test(err.message ?? ''))
    return appError('UNAVAILABLE', 'The ledger is not ready for this write; retry shortly');
  // Text PostgreSQL cannot store (a NUL byte, an invalid encoding) is bad input, not a crash.
  if (err.code === '22021' || err.code === '22P05')
    return appError('VALIDATION', 'The request contains characters that cannot be stored');
  if (err.code === '57P01' || err.code === '57P03' || err.code === '08006' || err.code === '08001') {
    return appError('UNAVAILABLE', 'The database is unavailable');
  }
  // A statement that ran out of time (statement_timeout, a lock wait behind a long pass) or lost
  // a deadlock or serialization race after every retry: the request may be retried, it is not
  // the client's fault and not a crash.
  if (err.code === '57014' || err.code === '55P03' || err.code === '40001' || err.code === '40P01') {
    return appError('UNAVAILABLE', 'The database is busy; retry shortly');
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET') {
    return appError('UNAVAILABLE', 'The database is unavailable');
  }
  return undefined;
}

export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
export const isRetryable = (err: unknown): boolean =>
  isPgError(err) && RETRYABLE_SQLSTATES.has(err.code ?? '');
