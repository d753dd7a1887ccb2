// Amounts leave the service as JSON integers. Limits keep them far below 2^53; this check
// makes sure a number that cannot be exact is never sent as if it were.
export function amountJson(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount ${value} is outside the exact JSON integer range`);
  }
  return Number(value);
}

export const idJson = (value: bigint): number => amountJson(value);
