// A query that must give a row (an INSERT ... RETURNING, an aggregate, a row the transaction
// just locked) and, in the impossible case that it gives none, says what was missing instead
// of failing later as "cannot read properties of undefined".

/** An impossible case met: a query that must return a row returned none. */
export class MissingRowError extends Error {
  constructor(what: string) {
    super(`expected ${what}, but the query returned no row`);
    this.name = 'MissingRowError';
  }
}

/** The first row of a query's result (or of its rows); a MissingRowError naming `what` if none. */
export function oneRow<T>(result: { rows: readonly T[] } | readonly T[], what: string): T {
  const rows = 'rows' in result ? result.rows : result;
  const row = rows[0];
  if (row === undefined) throw new MissingRowError(what);
  return row;
}
