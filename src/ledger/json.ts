// Amounts and ids leave the service as JSON integers. Limits keep amounts far below 2^53 and
// sequences keep ids there too; these checks make sure a number that cannot be exact is never
// sent as if it were, and say which of the two it was.
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export function amountJson(value: bigint): number {
  if (value > MAX_EXACT || value < -MAX_EXACT) {
    throw new RangeError(`amount ${value} is outside the exact JSON integer range`);
  }
  return Number(value);
}

/** A row id (a user, round, bet, transfer ...): never negative, exact in JSON. */
export function idJson(value: bigint): number {
  if (value < 0n || value > MAX_EXACT) {
    throw new RangeError(`id ${value} is not an exact JSON integer id (0 to 2^53 - 1)`);
  }
  return Number(value);
}
