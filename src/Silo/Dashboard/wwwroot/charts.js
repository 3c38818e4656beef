// Line charts over emulated time on a canvas: series as step-free polylines, horizontal guides (a provider's target
// capacity), and markers on the time axis (chaos injections, deployments, Spot interruption warnings). Hovering shows
// the values at that instant and the markers near it.

import { el } from './dom.js';
import { hhmm, clock } from './format.js';
import { SERIES, MARKERS } from './colours.js';
import { prepareCanvas } from './instance-map.js';

const PAD = { left: 44, right: 10, top: 8, bottom: 20 };
const HEIGHT = 170;

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtValue(v, unit) {
  if (v === null || v === undefined) return '–';
  if (unit === 'USD') return v < 1 ? '$' + v.toFixed(4) : '$' + v.toFixed(2);
  const a = Math.abs(v);
  const s = a >= 1000 ? Math.round(v).toLocaleString('en-US') : a >= 10 ? (Math.round(v * 10) / 10).toString() : (Math.round(v * 100) / 100).toString();
  return unit === '%' ? s + '%' : s;
}

/** The series' value at t: the latest point at or before t (metrics are per period), or null before the first. */
function valueAt(points, t) {
  let lo = 0, hi = points.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? null : points[found][1];
}

export class LineChart {
  constructor(container, id) {
    this.id = id;
    this.canvas = el('canvas', { class: 'chart-canvas', 'data-testid': `chart-${id}` });
    this.title = el('div', { class: 'chart-title' });
    this.legend = el('div', { class: 'chart-legend' });
    this.tip = el('div', { class: 'chart-tip', hidden: true });
    this.root = el('figure', { class: 'chart', 'data-chart': id }, this.title, el('div', { class: 'chart-body' }, this.canvas, this.tip), this.legend);
    container.append(this.root);
    this.hoverX = null;
    this.canvas.addEventListener('mousemove', (e) => { this.hoverX = e.offsetX; this.requestDraw(); });
    this.canvas.addEventListener('mouseleave', () => { this.hoverX = null; this.requestDraw(); });
  }

  /** chart: {title, unit, series:[{label, points:[[t,v]], dashed}], guides:[{label, value}]}; markers: [{t, kind, label, detail}]. */
  update(chart, markers, from, to) {
    this.chart = chart;
    this.markers = markers;
    this.from = from;
    this.to = to;
    this.title.textContent = chart.title;
    const legend = chart.series.map((s, k) => `<span class="key"><i style="background:${SERIES[k % SERIES.length]}"${s.dashed ? ' class="dashed"' : ''}></i>${escape(s.label)}</span>`).join('')
      + (chart.series.length === 0 ? '<span class="muted">no data yet</span>' : '');
    if (this.legend._html !== legend) { this.legend._html = legend; this.legend.innerHTML = legend; }
    this.draw();
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => { this.pending = 0; this.draw(); });
  }

  draw() {
    const chart = this.chart;
    if (!chart) return;
    const width = this.canvas.parentElement.clientWidth || 300;
    const ctx = prepareCanvas(this.canvas, width, HEIGHT);
    const w = width - PAD.left - PAD.right, h = HEIGHT - PAD.top - PAD.bottom;
    const from = this.from, to = Math.max(this.to, this.from + 1);
    let max = 0;
    for (const s of chart.series) for (const p of s.points) if (p[1] > max) max = p[1];
    for (const g of chart.guides) if (g.value > max) max = g.value;
    max = niceMax(max * 1.08);
    const X = (t) => PAD.left + ((t - from) / (to - from)) * w;
    const Y = (v) => PAD.top + h - (v / max) * h;

    // Grid and axes.
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#6b7280';
    ctx.strokeStyle = '#e5e7eb';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let k = 0; k <= 4; k++) {
      const y = Math.round(Y((max * k) / 4)) + 0.5;
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + w, y);
    }
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) ctx.fillText(fmtValue((max * k) / 4, chart.unit), PAD.left - 4, Y((max * k) / 4));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const ticks = Math.max(2, Math.min(6, Math.floor(w / 80)));
    for (let k = 0; k <= ticks; k++) {
      const t = from + ((to - from) * k) / ticks;
      ctx.fillText(hhmm(t), Math.min(Math.max(X(t), PAD.left + 14), PAD.left + w - 14), PAD.top + h + 5);
    }

    // Guides (target capacity).
    ctx.setLineDash([2, 3]);
    ctx.strokeStyle = '#495057';
    for (const g of chart.guides) {
      const y = Math.round(Y(g.value)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + w, y);
      ctx.stroke();
    }

    // Markers.
    for (const m of this.markers) {
      if (m.t < from || m.t > to) continue;
      const x = Math.round(X(m.t)) + 0.5;
      ctx.strokeStyle = MARKERS[m.kind] ?? '#495057';
      ctx.setLineDash(m.kind === 'deployment' ? [4, 2] : []);
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, PAD.top + h);
      ctx.stroke();
      ctx.fillStyle = MARKERS[m.kind] ?? '#495057';
      ctx.beginPath();
      ctx.moveTo(x - 4, PAD.top);
      ctx.lineTo(x + 4, PAD.top);
      ctx.lineTo(x, PAD.top + 6);
      ctx.fill();
    }

    // Series.
    ctx.lineWidth = 1.6;
    chart.series.forEach((s, k) => {
      ctx.strokeStyle = SERIES[k % SERIES.length];
      ctx.setLineDash(s.dashed ? [5, 3] : []);
      ctx.beginPath();
      let started = false;
      for (const [t, v] of s.points) {
        if (t < from) continue;
        const x = X(t), y = Y(v);
        if (!started) { ctx.moveTo(x, y); started = true; } else ctx.lineTo(x, y);
      }
      if (s.points.length === 1) {
        const [t, v] = s.points[0];
        ctx.moveTo(X(t) - 2, Y(v));
        ctx.lineTo(X(t) + 2, Y(v));
      }
      ctx.stroke();
    });
    ctx.setLineDash([]);

    this.drawHover(ctx, X, w, h, from, to);
  }

  drawHover(ctx, X, w, h, from, to) {
    if (this.hoverX === null || this.hoverX < PAD.left || this.hoverX > PAD.left + w) {
      this.tip.hidden = true;
      return;
    }
    const t = from + ((this.hoverX - PAD.left) / w) * (to - from);
    ctx.strokeStyle = '#adb5bd';
    ctx.beginPath();
    ctx.moveTo(this.hoverX + 0.5, PAD.top);
    ctx.lineTo(this.hoverX + 0.5, PAD.top + h);
    ctx.stroke();
    const near = this.markers.filter((m) => Math.abs(X(m.t) - this.hoverX) <= 4);
    const rows = this.chart.series.map((s, k) => `<div><i style="background:${SERIES[k % SERIES.length]}"></i>${escape(s.label)}: <b>${fmtValue(valueAt(s.points, t), this.chart.unit)}</b></div>`);
    for (const m of near) rows.push(`<div class="tip-marker" style="color:${MARKERS[m.kind] ?? '#495057'}">${clock(m.t)} ${escape(m.detail || m.label)}</div>`);
    this.tip.innerHTML = `<div class="tip-time">${clock(t)}</div>${rows.join('')}`;
    this.tip.hidden = false;
    const left = this.hoverX + 12 + 220 > w + PAD.left ? this.hoverX - 232 : this.hoverX + 12;
    this.tip.style.left = `${Math.max(0, left)}px`;
  }
}

function escape(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
