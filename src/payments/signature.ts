// The provider's callback signature: HMAC-SHA256 over the exact bytes of the request body with
// the secret both sides share (PAYMENT_CALLBACK_SECRET), sent as `X-Payment-Signature:
// sha256=<64 hex>`. The body is signed as bytes, never re-serialised, so what is verified is
// what was sent. The local test provider signs with signCallback too.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-payment-signature';

export function signCallback(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True only for a well-formed header carrying the body's signature (compared in constant time). */
export function verifyCallback(secret: string, body: Buffer, header: string | undefined): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(signCallback(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
