// docs/bench-http.svg: two panels over the offered rate, answered 2xx/s (linear) and p99
// latency (log), one line per mode. Hand-written SVG so the docs need no plotting dependency.
import { writeFileSync } from 'node:fs';
import { MODE_TITLES, P99_TARGET_MS, type ModeName, type ModeResult } from './http-report.ts';

const COLORS: Record<ModeName, string> = {
  perRequest: '#d62728',
  batched: '#1f77b4',
  batched2: '#2ca02c',
  noop: '#7f7f7f',
};
// The no-op line is dashed: where it overlaps a database mode, both stay visible.
const DASH: Record<ModeName, string> = {
  perRequest: '',
  batched: '',
  batched2: '',
  noop: 'stroke-dasharray="6 3"',
};
const W = 760;
const PANEL_H = 240;
const M = { left: 70, right: 20, top: 40, gap: 70 };
const PLOT_W = W - M.left - M.right;

/** A round step (1, 2 or 5 × 10^n) giving about `count` ticks up to max. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow) || 1;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const line = (x1: number, y1: number, x2: number, y2: number, style: string) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${style}/>`;
const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;

export function writePlot(file: string, modes: Record<ModeName, ModeResult>): void {
  const entries = Object.entries(modes) as [ModeName, ModeResult][];
  const steps = entries.flatMap(([, m]) => m.steps);
  const xStep = niceStep(Math.max(1, ...steps.map((s) => s.offered)), 6);
  const xMax = Math.ceil(Math.max(1, ...steps.map((s) => s.offered)) / xStep) * xStep;
  const x = (v: number) => M.left + (v / xMax) * PLOT_W;
  const top1 = M.top;
  const top2 = M.top + PANEL_H + M.gap;
  const out: string[] = [];

  // Panel 1: answered 2xx/s, linear, with the "answered = offered" diagonal for reference.
  const yStep = niceStep(Math.max(1, ...steps.map((s) => Math.max(s.answeredPerSec, s.offered))), 5);
  const yMax =
    Math.ceil(Math.max(1, ...steps.map((s) => Math.max(s.answeredPerSec, s.offered))) / yStep) * yStep;
  const y1 = (v: number) => top1 + PANEL_H - (v / yMax) * PANEL_H;
  for (let v = 0; v <= yMax; v += yStep) {
    out.push(line(M.left, y1(v), M.left + PLOT_W, y1(v), 'stroke="#e5e5e5"'));
    out.push(text(M.left - 6, y1(v) + 4, String(v), 'text-anchor="end"'));
  }
  out.push(
    line(
      x(0),
      y1(0),
      x(Math.min(xMax, yMax)),
      y1(Math.min(xMax, yMax)),
      'stroke="#bbb" stroke-dasharray="4 4"',
    ),
  );
  out.push(
    text(M.left, top1 - 10, 'answered 2xx per second (dashed: answered = offered)', 'font-weight="bold"'),
  );

  // Panel 2: p99 in ms on a log axis, with the 50 ms target.
  const p99s = steps.map((s) => Math.max(0.1, s.p99));
  const lo = Math.floor(Math.log10(Math.min(1, ...p99s)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(100, ...p99s))));
  const y2 = (v: number) => top2 + PANEL_H - ((Math.log10(Math.max(0.1, v)) - lo) / (hi - lo)) * PANEL_H;
  for (let e = lo; e <= hi; e++) {
    out.push(line(M.left, y2(10 ** e), M.left + PLOT_W, y2(10 ** e), 'stroke="#e5e5e5"'));
    out.push(text(M.left - 6, y2(10 ** e) + 4, String(10 ** e), 'text-anchor="end"'));
  }
  out.push(
    line(
      M.left,
      y2(P99_TARGET_MS),
      M.left + PLOT_W,
      y2(P99_TARGET_MS),
      'stroke="#999" stroke-dasharray="6 3"',
    ),
  );
  out.push(
    text(
      M.left + PLOT_W - 4,
      y2(P99_TARGET_MS) - 4,
      `${P99_TARGET_MS} ms target`,
      'text-anchor="end" fill="#666"',
    ),
  );
  out.push(
    text(
      M.left,
      top2 - 10,
      'p99 latency, ms (log scale), from the scheduled send time',
      'font-weight="bold"',
    ),
  );

  // Shared x axis under each panel.
  for (const top of [top1, top2]) {
    out.push(line(M.left, top + PANEL_H, M.left + PLOT_W, top + PANEL_H, 'stroke="#333"'));
    out.push(line(M.left, top, M.left, top + PANEL_H, 'stroke="#333"'));
    for (let v = 0; v <= xMax; v += xStep) {
      out.push(line(x(v), top + PANEL_H, x(v), top + PANEL_H + 4, 'stroke="#333"'));
      out.push(text(x(v), top + PANEL_H + 18, String(v), 'text-anchor="middle"'));
    }
    out.push(
      text(M.left + PLOT_W / 2, top + PANEL_H + 34, 'offered bets per second', 'text-anchor="middle"'),
    );
  }

  // One polyline with dots per mode in each panel.
  for (const [name, m] of entries) {
    const c = COLORS[name];
    for (const [y, value] of [
      [y1, (s: ModeResult['steps'][number]) => s.answeredPerSec],
      [y2, (s: ModeResult['steps'][number]) => s.p99],
    ] as const) {
      const pts = m.steps.map((s) => `${x(s.offered).toFixed(1)},${y(value(s)).toFixed(1)}`);
      out.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="2" ${DASH[name]}/>`,
      );
      for (const p of pts) {
        const [px, py] = p.split(',');
        out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${c}"/>`);
      }
    }
  }

  // Legend at the bottom, each entry as wide as its label (about 7 px per character), wrapping
  // to a new line when the next entry would not fit.
  let legendY = top2 + PANEL_H + 56;
  let lx = M.left;
  for (const [name] of entries) {
    const label = MODE_TITLES[name].replace(/ \(POST.*\)$/, '');
    const width = 26 + label.length * 7 + 24;
    if (lx > M.left && lx + width > W) {
      lx = M.left;
      legendY += 20;
    }
    out.push(
      line(lx, legendY - 4, lx + 20, legendY - 4, `stroke="${COLORS[name]}" stroke-width="3" ${DASH[name]}`),
    );
    out.push(text(lx + 26, legendY, label));
    lx += width;
  }

  const h = legendY + 16;
  writeFileSync(
    file,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">\n` +
      `<rect width="${W}" height="${h}" fill="white"/>\n${out.join('\n')}\n</svg>\n`,
  );
}
