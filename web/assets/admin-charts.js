// Live charts on the operator page, fed by polling GET /metrics (Prometheus text) every 2 s:
// counters become per-second rates from consecutive scrapes, gauges are drawn as read. Plain
// canvas, the last five minutes. /metrics is per process: behind a load balancer the charts
// show the process that answered, while Grafana (deploy/) shows the fleet.
import { $ } from './api.js';

const POLL_MS = 2000;
const POINTS = 150;

/** Sums every sample of each named metric (across label sets, e.g. roles). */
export function parseMetrics(text, names) {
  const sums = Object.fromEntries(names.map((n) => [n, null]));
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || !(match[1] in sums)) continue;
    const value = Number(match[2]);
    if (Number.isFinite(value)) sums[match[1]] = (sums[match[1]] || 0) + value;
  }
  return sums;
}

function draw(canvas, values, color) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth * ratio;
  const height = canvas.clientHeight * ratio;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, width, height);
  const max = Math.max(1, ...values);
  g.strokeStyle = '#2a3550';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(0, height - 0.5);
  g.lineTo(width, height - 0.5);
  g.stroke();
  g.fillStyle = '#97a3bd';
  g.font = `${11 * ratio}px system-ui`;
  g.fillText(max.toLocaleString(undefined, { maximumFractionDigits: 1 }), 4, 12 * ratio);
  if (values.length < 2) return;
  g.strokeStyle = color;
  g.lineWidth = 2 * ratio;
  g.beginPath();
  values.forEach((v, i) => {
    const x = (i / (POINTS - 1)) * width;
    const y = height - (v / max) * (height - 16 * ratio) - 2;
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}

const SERIES = [
  { id: 'bets', metric: 'colorbet_bets_accepted_total', rate: true, color: '#4c8dff', unit: '/s' },
  // The counter is in minor units; the page shows money in major units everywhere (issue 13).
  {
    id: 'volume',
    metric: 'colorbet_matched_volume_minor_total',
    rate: true,
    scale: 0.01,
    color: '#30a46c',
    unit: '/s',
  },
  { id: 'backlog', metric: 'colorbet_outbox_backlog', rate: false, color: '#f5a524', unit: '' },
  { id: 'lag', metric: 'colorbet_projection_lag_entries', rate: false, color: '#e5484d', unit: '' },
];

export function startCharts() {
  const history = Object.fromEntries(SERIES.map((s) => [s.id, []]));
  let previous = null;
  async function poll() {
    let text;
    try {
      const res = await fetch('/metrics');
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
      $('metrics-msg').textContent = '';
    } catch (err) {
      $('metrics-msg').textContent = `metrics unavailable (${err.message})`;
      return;
    }
    const now = Date.now();
    const sample = parseMetrics(
      text,
      SERIES.map((s) => s.metric),
    );
    for (const s of SERIES) {
      const value = sample[s.metric];
      if (value === null) continue;
      let point = value;
      if (s.rate) {
        if (!previous || previous.values[s.metric] === null) continue;
        const seconds = (now - previous.at) / 1000;
        // A counter that went down means the process restarted: count from zero again.
        point =
          Math.max(0, value >= previous.values[s.metric] ? value - previous.values[s.metric] : value) /
          seconds;
      }
      point *= s.scale ?? 1;
      const series = history[s.id];
      series.push(point);
      if (series.length > POINTS) series.shift();
      $(`v-${s.id}`).textContent =
        `${point.toLocaleString(undefined, { maximumFractionDigits: s.scale ? 2 : 1 })}${s.unit}`;
      draw($(`c-${s.id}`), series, s.color);
    }
    previous = { at: now, values: sample };
  }
  void poll();
  return setInterval(poll, POLL_MS);
}
