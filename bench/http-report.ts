// Results of `npm run bench:http`: the per-mode ladder analysis, the stdout table, and the
// section of docs/benchmarks.md between its markers (the rest of that file is left alone).
import type { DbLimit } from './http-db.ts';
import type { StepResult } from './http-load.ts';
import { writeDocsSection } from './setup.ts';

/** The latency target a step must meet to count towards a mode's peak. */
export const P99_TARGET_MS = 50;
/** Most failed or unanswered requests a step may have to count. */
export const MAX_FAIL_RATE = 0.01;

export const END_OF_LIST = 'end of the rate list';

export type Step = StepResult & {
  rssMb: number;
  machineCpuPct: number;
  apiCpuPct: number;
  apiUsPerOk: number;
  pgUsPerOk: number;
};

export interface Peak {
  rate: number;
  answeredPerSec: number;
  p50: number;
  p99: number;
  p999: number;
}

export interface ModeResult {
  steps: Step[];
  /** The highest offered rate answered within P99_TARGET_MS with < MAX_FAIL_RATE failures. */
  peak: Peak | null;
  maxAnsweredPerSec: number;
  peakRssMb: number;
  stopReason: string;
}

export type ModeName = 'perRequest' | 'batched' | 'batched2' | 'noop';

export interface Report {
  machine: string;
  command: string;
  date: string;
  limit: DbLimit;
  modes: Record<ModeName, ModeResult>;
  ratios: { batchedVsLimit: number | null; batchedVsPerRequest: number | null; batchedVsNoop: number | null };
  p99At80PctOfPeak: number | null;
  at80PctOfPeak: Step | null;
  players: number;
  stepSeconds: number;
  betsInDb: number;
  acceptedSeen: number;
  auditOk: boolean;
}

export const MODE_TITLES: Record<ModeName, string> = {
  perRequest: 'per-request (BATCH_WINDOW_MS=0)',
  batched: 'batched (BATCH_WINDOW_MS=2)',
  batched2: 'batched, 2 API processes (--processes 2)',
  noop: 'no-op route, no database (POST /v1/bench/noop-bet)',
};

export const passes = (s: StepResult) => s.p99 <= P99_TARGET_MS && s.failRate < MAX_FAIL_RATE;

export function summarise(steps: Step[], peakRssMb: number, stopReason: string): ModeResult {
  const good = steps.filter(passes).sort((a, b) => b.offered - a.offered)[0];
  return {
    steps,
    peak: good
      ? {
          rate: good.offered,
          answeredPerSec: good.answeredPerSec,
          p50: good.p50,
          p99: good.p99,
          p999: good.p999,
        }
      : null,
    maxAnsweredPerSec: Math.max(0, ...steps.map((s) => s.answeredPerSec)),
    peakRssMb,
    stopReason,
  };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)}x`);

function failureText(s: Step): string {
  if (s.failures === 0) return '0';
  const kinds = Object.entries(s.statuses)
    .filter(([k]) => !k.startsWith('2'))
    .map(([k, n]) => `${n}×${k}`)
    .join(' ');
  return `${(s.failRate * 100).toFixed(1)}% (${kinds})`;
}

const HEAD = [
  'offered/s',
  '2xx/s',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'max ms',
  'failed',
  'send lag p99',
  'RSS MiB',
  'API CPU',
  'box CPU',
  'API µs/req',
  'PG µs/req',
];

function rows(m: ModeResult): string[][] {
  return m.steps.map((s) => [
    String(s.offered),
    s.answeredPerSec.toFixed(0),
    ms(s.p50),
    ms(s.p99),
    ms(s.p999),
    ms(s.max),
    failureText(s),
    ms(s.sendLagP99),
    s.rssMb.toFixed(0),
    `${s.apiCpuPct.toFixed(0)}%`,
    `${s.machineCpuPct.toFixed(0)}%`,
    s.apiUsPerOk.toFixed(0),
    s.pgUsPerOk.toFixed(0),
  ]);
}

function peakLine(name: ModeName, m: ModeResult): string {
  const p = m.peak;
  const head = p
    ? `peak ${p.rate}/s offered, ${p.answeredPerSec.toFixed(0)}/s answered, p50 ${ms(p.p50)} ms, p99 ${ms(p.p99)} ms, p99.9 ${ms(p.p999)} ms`
    : `no step met p99 <= ${P99_TARGET_MS} ms with < ${MAX_FAIL_RATE * 100}% failures`;
  return `${MODE_TITLES[name]}: ${head}; max answered ${m.maxAnsweredPerSec.toFixed(0)}/s; peak RSS ${m.peakRssMb.toFixed(0)} MiB; stopped: ${m.stopReason}`;
}

export function textReport(r: Report): string {
  const out: string[] = [];
  for (const [name, m] of Object.entries(r.modes) as [ModeName, ModeResult][]) {
    const table = [HEAD, ...rows(m)];
    const widths = HEAD.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    out.push(`\n${MODE_TITLES[name]}`);
    for (const row of table) out.push(row.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
    out.push(peakLine(name, m));
  }
  out.push('', ...summaryLines(r));
  return out.join('\n');
}

function summaryLines(r: Report): string[] {
  const at80 = r.at80PctOfPeak;
  // A mode that met the target up to the last rate offered was never saturated: its peak, and
  // any ratio built on it, is a lower bound; say so rather than print a misleading ratio.
  const unsaturated = (Object.entries(r.modes) as [ModeName, ModeResult][])
    .filter(([, m]) => m.stopReason === END_OF_LIST && m.steps.length && passes(m.steps[m.steps.length - 1]!))
    .map(([name]) => name);
  return [
    ...(unsaturated.length
      ? [`not saturated by the highest rate offered (peak is a lower bound): ${unsaturated.join(', ')}`]
      : []),
    `PostgreSQL alone: ${r.limit.singleInsertTps.toFixed(0)} single-row INSERT commits/s (${r.limit.singleInsertTool}), ${r.limit.batchedInsertRowsPerSec.toFixed(0)} rows/s in 500-row INSERTs (4 clients); synchronous_commit=${r.limit.synchronousCommit}, fsync=${r.limit.fsync}`,
    `batched peak vs single-row INSERT limit: ${ratio(r.ratios.batchedVsLimit)}; vs per-request: ${ratio(r.ratios.batchedVsPerRequest)}; vs no-op route: ${ratio(r.ratios.batchedVsNoop)}`,
    at80
      ? `batched at ${at80.offered}/s (80% of its peak): p50 ${ms(at80.p50)} ms, p99 ${ms(at80.p99)} ms, p99.9 ${ms(at80.p999)} ms, ${failureText(at80)} failed`
      : 'batched at 80% of peak: not run (no peak)',
    `bets in the database ${r.betsInDb} >= 2xx answers seen ${r.acceptedSeen}: ${r.betsInDb >= r.acceptedSeen ? 'yes' : 'NO'}; audit (colorbet verify): ${r.auditOk ? 'all invariants hold' : 'VIOLATED'}`,
  ];
}

function markdown(r: Report): string {
  const md: string[] = [
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC with \`${r.command}\` (bench/http.ts) on ${r.machine}.`,
    '',
    `The API is \`colorbet start --roles api\` in its own process; the load generator is the bench`,
    `process, open loop: request i is sent at t0 + i/R whatever the earlier answers did, over`,
    `keep-alive connections (at most 256), as POST /v1/bets from ${r.players} funded players into one`,
    `open round. Latency runs from the scheduled send time to the end of the response, so queueing`,
    `anywhere (client, sockets, server, database) counts. Each step is ${r.stepSeconds} s after a 1 s`,
    `warm-up that is not counted; "2xx/s" is answers 2xx over the measured window (longer when the`,
    `answers trail it); a request still open 2 s after the step is a timeout, counted as failed with`,
    `the time it waited. A mode stops after two steps over p99 ${P99_TARGET_MS} ms or one with >= 1%`,
    `failed; its peak is the highest offered rate with p99 <= ${P99_TARGET_MS} ms and < 1% failed.`,
    `API, PostgreSQL and load generator share the same cores; "send lag" shows when the`,
    `generator itself fell behind its schedule. "API CPU" is the API process's CPU time over the`,
    `step as a share of one core (its JavaScript runs on one); "box CPU" is the busy share of all`,
    `cores (API, PostgreSQL, generator, and anything else running).`,
    '',
  ];
  for (const [name, m] of Object.entries(r.modes) as [ModeName, ModeResult][]) {
    md.push(
      `### ${MODE_TITLES[name]}`,
      '',
      `| ${HEAD.join(' | ')} |`,
      `|${HEAD.map(() => '---').join('|')}|`,
    );
    for (const row of rows(m)) md.push(`| ${row.join(' | ')} |`);
    md.push('', peakLine(name, m).replace(`${MODE_TITLES[name]}: `, ''), '');
  }
  md.push(
    '### Summary',
    '',
    ...summaryLines(r).map((l) => `- ${l}`),
    '',
    '![throughput and p99](bench-http.svg)',
  );
  return md.join('\n');
}

/** Rewrites only what lies between the markers, adding heading and markers when absent. */
export function writeDocs(file: string, r: Report): void {
  writeDocsSection(file, 'http-bench', '## Bet placement over HTTP, open loop (issue 9)', markdown(r));
}
