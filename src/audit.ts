// `colorbet verify` and GET /v1/admin/audit: every invariant check, one report.
import type { Pool } from './db/pool.ts';
import { bettingChecks } from './betting/verify.ts';
import { ledgerChecks, type Check, type CheckResult } from './ledger/verify.ts';

export interface AuditReport {
  ok: boolean;
  checkedAt: string;
  checks: CheckResult[];
}

export const allChecks: Check[] = [...ledgerChecks, ...bettingChecks];

export async function runAudit(pool: Pool, checks: Check[] = allChecks): Promise<AuditReport> {
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await check(pool));
  return { ok: results.every((r) => r.ok), checkedAt: new Date().toISOString(), checks: results };
}

export function formatAudit(report: AuditReport): string {
  const lines = report.checks.map((c) => {
    const head = `${c.ok ? 'ok  ' : 'FAIL'} ${c.invariant.padEnd(3)} ${c.name}: ${c.detail}`;
    return c.violations?.length
      ? `${head}\n${c.violations.map((v) => `       ${JSON.stringify(v)}`).join('\n')}`
      : head;
  });
  lines.push(report.ok ? 'all invariants hold' : 'INVARIANTS VIOLATED');
  return lines.join('\n');
}
