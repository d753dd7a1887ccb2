// CSV for the reports (RFC 4180): a header row, then one row per record, CRLF line ends.
// Amounts stay integers of minor units (exact); text cells are quoted when they need it, and a
// text cell that a spreadsheet would read as a formula (=, +, -, @) is prefixed with a quote.

export type CsvCell = string | number | bigint | boolean | null;

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The CSV text of `rows`, one column per entry of `columns` (header, then the value of each row). */
export function toCsv<T>(
  columns: [header: string, value: (row: T) => CsvCell][],
  rows: readonly T[],
): string {
  const lines = [columns.map(([header]) => cell(header)).join(',')];
  for (const row of rows) lines.push(columns.map(([, value]) => cell(value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
