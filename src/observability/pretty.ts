// The console for a person (LOG_FORMAT=pretty, or auto on a terminal): one line per event, and
// the two most frequent lines said in words instead of JSON: a money operation ("placeBet user
// 13 round 7 red 3.55: ok 202") and an access line ("POST /v1/bets 202 3.1 ms"). Amounts are
// in major units, as the pages show them. JSON logs are untouched.
import pretty from 'pino-pretty';

/** 123456 minor units -> "1,234.56". */
export function formatMajor(minor: bigint | number | string): string {
  const value = BigInt(minor);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  const units = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${units}.${digits.slice(-2)}`;
}

const AMOUNT = /^-?\d+$/;
const ORDER = ['userId', 'roundId', 'betId', 'withdrawalId', 'side', 'amount', 'reference'];
const WORD: Record<string, string> = {
  userId: 'user',
  roundId: 'round',
  betId: 'bet',
  withdrawalId: 'withdrawal',
};

/** "placeBet user 13 round 7 red 3.55" from the logged operation. */
function describeMoney(money: Record<string, unknown>): string {
  const parts = [String(money.type ?? 'money')];
  for (const key of ORDER) {
    const v = money[key];
    if (v === undefined || v === null) continue;
    if (key === 'amount' && typeof v === 'string' && AMOUNT.test(v)) parts.push(formatMajor(v));
    else if (key === 'side') parts.push(String(v));
    else parts.push(`${WORD[key] ?? key} ${String(v)}`);
  }
  return parts.join(' ');
}

export function messageFormat(log: Record<string, unknown>, messageKey: string): string {
  const msg = String(log[messageKey] ?? '');
  if (msg === 'money operation' && log.money && typeof log.money === 'object') {
    const replay = log.replayed === true ? ', a replay' : '';
    return `${describeMoney(log.money as Record<string, unknown>)}: ${String(log.outcome)} ${String(log.status)}${replay}`;
  }
  if (msg === 'request' && typeof log.method === 'string') {
    return `${log.method} ${String(log.path)} ${String(log.status)} ${String(log.ms)} ms`;
  }
  return msg;
}

/**
 * Fields the message above already says, or that only a machine needs (the request id and the
 * Idempotency-Key follow a bet through the JSON logs; LOG_FORMAT=json shows them).
 */
const IGNORED =
  'pid,hostname,service,money,result,outcome,status,replayed,method,path,ms,reqId,idempotencyKey';

export function prettyStream(destination: number | NodeJS.WritableStream = 1, colorize?: boolean) {
  return pretty({
    destination,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: IGNORED,
    messageFormat,
    ...(colorize === undefined ? {} : { colorize }),
  });
}
