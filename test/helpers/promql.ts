// Reading the shipped monitoring files (deploy/prometheus, deploy/grafana) in tests: the metric
// names a PromQL expression uses, the metric names a /metrics page exports, and the alert rules
// of alerts.yml. The YAML reader only knows the plain block style those files are written in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/** Metric names an expression selects (`up` included); functions, labels and keywords are not names. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables ($job, ${DS}, $__rate_interval)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\b(group_left|group_right)\b/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const token = m[0];
    const rest = bare.slice(m.index + token.length);
    if (/^\s*\(/.test(rest)) continue; // a function or an aggregation
    if (KEYWORDS.has(token.toLowerCase())) continue;
    if (/\d$/.test(bare.slice(0, m.index))) continue; // a duration unit such as the m of 5m
    names.add(token);
  }
  return [...names];
}

/** Every sample name a Prometheus text page can carry: each family, with the series of histograms and summaries. */
export function exportedNames(metricsText: string): Set<string> {
  const names = new Set<string>();
  for (const line of metricsText.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
      continue;
    }
    const sample = /^([A-Za-z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** Families (TYPE lines) of a /metrics page. */
export function metricFamilies(metricsText: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\w+)$/gm)) families.set(m[1]!, m[2]!);
  return families;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

function scalar(raw: string): string {
  const v = raw.trim();
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  if (v.startsWith('"') && v.endsWith('"')) return JSON.parse(v) as string;
  return v;
}

/** `key: value` entries of a block at one indent; `>-` and `|` values are read from the lines below. */
function entries(lines: string[], indent: number): [string, string, number][] {
  const out: [string, string, number][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim() || line.trim().startsWith('#') || indentOf(line) !== indent) continue;
    const m = /^\s*(?:- )?([\w.-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (/^[>|][-+]?$/.test(value)) {
      const body: string[] = [];
      while (i + 1 < lines.length && (!lines[i + 1]!.trim() || indentOf(lines[i + 1]!) > indent)) {
        body.push(lines[++i]!.trim());
      }
      out.push([key, body.filter(Boolean).join(value.startsWith('|') ? '\n' : ' '), i]);
    } else {
      out.push([key, scalar(value), i]);
    }
  }
  return out;
}

/** The alert rules of an alerts.yml written in block style (`- alert:` items). */
export function parseAlertRules(text: string): AlertRule[] {
  const lines = text.split('\n');
  const rules: AlertRule[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = /^(\s*)- alert:\s*(\S+)/.exec(lines[i]!);
    if (!start) continue;
    const itemIndent = start[1]!.length + 2;
    let end = i + 1;
    while (end < lines.length && (!lines[end]!.trim() || indentOf(lines[end]!) >= itemIndent)) end++;
    const block = lines.slice(i, end).map((l, n) => (n === 0 ? l.replace('- ', '  ') : l));
    const top = entries(block, itemIndent);
    const nested = (key: string): Record<string, string> => {
      const at = top.find(([k]) => k === key);
      if (!at) return {};
      const below: string[] = [];
      for (
        let j = at[2] + 1;
        j < block.length && (!block[j]!.trim() || indentOf(block[j]!) > itemIndent);
        j++
      )
        below.push(block[j]!);
      return Object.fromEntries(entries(below, itemIndent + 2).map(([k, v]) => [k, v]));
    };
    const get = (key: string) => top.find(([k]) => k === key)?.[1];
    rules.push({
      alert: scalar(start[2]!),
      expr: get('expr') ?? '',
      ...(get('for') !== undefined ? { for: get('for')! } : {}),
      labels: nested('labels'),
      annotations: nested('annotations'),
    });
    i = end - 1;
  }
  return rules;
}

/** What alerts.test.yml expects of each alert: at how many eval times it fires, and how many it stays quiet. */
export function alertTestCoverage(text: string): Map<string, { fires: number; quiet: number }> {
  const coverage = new Map<string, { fires: number; quiet: number }>();
  for (const block of text.split(/^\s*- eval_time:/m).slice(1)) {
    const name = /alertname:\s*(\S+)/.exec(block)?.[1];
    const exp = /exp_alerts:\s*(\[\])?/.exec(block);
    if (!name || !exp) continue;
    const c = coverage.get(name) ?? { fires: 0, quiet: 0 };
    if (exp[1]) c.quiet++;
    else if (/exp_labels:/.test(block.split(/^\s*- interval:/m)[0]!)) c.fires++;
    coverage.set(name, c);
  }
  return coverage;
}

/** GitHub's anchor for a Markdown heading. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) anchors.add(headingAnchor(m[1]!));
  for (const m of markdown.matchAll(/<a (?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: DashboardPanel[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

/** Every panel of a dashboard, those inside rows included. */
export function dashboardPanels(dashboard: { panels?: DashboardPanel[] }): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  const walk = (panels: DashboardPanel[] | undefined) => {
    for (const p of panels ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

export const readDeploy = (relative: string): string => readFileSync(DEPLOY_DIR + relative, 'utf8');
