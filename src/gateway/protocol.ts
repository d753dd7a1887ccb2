// The gateway's wire protocol (docs/web.md). Every message is a JSON object with a `type`.
// Server events are hints sent once per change, never ticks: clients count down from
// `closesAt` and `serverTime` themselves and refetch details from the REST API.
import type { LiveEvent } from '../bus/events.ts';

export type ClientMessage = { type: 'auth'; token: string } | { type: 'ping' };

export type ParsedClientMessage = ClientMessage | { type: 'invalid'; reason: string };

/** Close codes in the application range (4000-4999) so a client can tell them from network errors. */
export const CLOSE = {
  unauthorized: 4401,
  policy: 1008,
  goingAway: 1001,
} as const;

export function parseClientMessage(
  data: Buffer | ArrayBuffer | Buffer[],
  isBinary: boolean,
): ParsedClientMessage {
  if (isBinary) return { type: 'invalid', reason: 'send JSON text frames' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 'invalid', reason: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { type: 'invalid', reason: 'not a JSON object' };
  const msg = parsed as { type?: unknown; token?: unknown };
  if (msg.type === 'ping') return { type: 'ping' };
  if (msg.type === 'auth') {
    if (typeof msg.token !== 'string' || msg.token.length === 0 || msg.token.length > 4096) {
      return { type: 'invalid', reason: 'auth needs a token string' };
    }
    return { type: 'auth', token: msg.token };
  }
  return { type: 'invalid', reason: 'unknown message type; expected auth or ping' };
}

/** Who receives an event: every socket, the sockets of one player, or nobody (internal events). */
export type Audience = { kind: 'all' } | { kind: 'user'; userId: string } | { kind: 'none' };

export function audienceOf(e: LiveEvent): Audience {
  switch (e.type) {
    case 'round':
      return { kind: 'all' };
    case 'bet':
    case 'balance':
      return { kind: 'user', userId: e.userId };
    default:
      // `wake` events steer workers; they never leave the process.
      return { kind: 'none' };
  }
}

/** Round events that only say "the totals moved"; the gateway coalesces them. */
export const isTotalsHint = (e: LiveEvent): boolean => e.type === 'round' && e.change === 'totals';

const ID_FIELDS = ['roundId', 'betId', 'userId'] as const;

/**
 * Serialised once per event, then written to every recipient as the same buffer. Ids travel
 * through the bus as strings; clients get integers, as from the REST API ('*' stays: "all bets").
 */
export function encode(message: Record<string, unknown>): Buffer {
  const out: Record<string, unknown> = { ...message, serverTime: new Date().toISOString() };
  for (const field of ID_FIELDS) {
    const v = out[field];
    if (typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) out[field] = Number(v);
  }
  return Buffer.from(JSON.stringify(out));
}
