// Money on the console is in major units, the way the pages show it: 123456 minor -> "1,234.56".
// Machine-readable output (--json) keeps integer minor units, like the API.

export { formatMajor } from '../observability/pretty.ts';

/** "none", or "5 (INSUFFICIENT_FUNDS 3, ROUND_NOT_OPEN 2)", most frequent first. */
export function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!entries.length) return 'none';
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return `${total} (${entries.map(([code, n]) => `${code} ${n}`).join(', ')})`;
}
