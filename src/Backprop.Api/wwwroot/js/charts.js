// Line charts on uPlot that grow as epochs arrive; x is the epoch.
import uPlot from '../lib/uplot/uPlot.esm.js';

const COLORS = ['#2456c9', '#d4762c', '#1b7f3b', '#9b2fae', '#b3261e', '#00838f', '#6d4c41', '#5e35b1'];

export class LineChart {
  constructor(container, title, seriesNames, { log = false, markers = null } = {}) {
    this.container = container;
    this.names = seriesNames;
    this.data = [[], ...seriesNames.map(() => [])];
    this.log = log;
    this.markers = markers; // () => [{x, label, color?, row? (of the label, from the top)}]
    this.title = title;
    this.build();
    this.resizer = new ResizeObserver(() => this.plot.setSize(this.size()));
    this.resizer.observe(container);
  }

  size() { return { width: Math.max(260, this.container.clientWidth - 4), height: 220 }; }

  build() {
    this.plot?.destroy();
    const markers = this.markers;
    this.plot = new uPlot({
      title: this.title, ...this.size(),
      scales: { x: { time: false }, y: this.log ? { distr: 3 } : {} },
      axes: [{ label: 'epoch' }, { size: 60, values: (u, vals) => vals.map(v => v === null ? '' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : +v.toPrecision(3)) }],
      series: [{ label: 'epoch' }, ...this.names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
      hooks: markers ? { draw: [u => drawMarkers(u, markers())] } : {},
    }, this.data, this.container);
  }

  setLog(log) { this.log = log; this.build(); }

  push(x, values) {
    this.data[0].push(x);
    values.forEach((v, i) => this.data[i + 1].push(v === null || v === undefined || (this.log && v <= 0) ? null : v));
    this.dirty = true;
  }

  clear() {
    this.data = [[], ...this.names.map(() => [])];
    this.dirty = true;
  }

  // Redraws at most once per animation frame however many epochs arrived.
  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.data);
  }

  get points() { return this.data[0].length; }
  destroy() { this.resizer.disconnect(); this.plot.destroy(); }
}

function drawMarkers(u, markers) {
  const ctx = u.ctx;
  for (const m of markers) {
    if (m.x === null || m.x === undefined) continue;
    const x = Math.round(u.valToPos(m.x, 'x', true));
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.save();
    const color = m.color || '#1b7f3b';
    ctx.strokeStyle = color; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
    ctx.fillStyle = color; ctx.textAlign = 'left'; ctx.font = `${12 * devicePixelRatio}px system-ui`; ctx.fillText(m.label, x + 4 * devicePixelRatio, u.bbox.top + 14 * (1 + (m.row || 0)) * devicePixelRatio);
    ctx.restore();
  }
}

// One line per trial of a search over a shared epoch axis: trials report different epochs, so each keeps its own points and
// the aligned columns uPlot needs are rebuilt at most once per frame. The highlighted trial (the best) is drawn bold.
export class TrialChart {
  constructor(container, title, seriesNames, { log = false } = {}) {
    this.container = container;
    this.title = title;
    this.names = seriesNames;
    this.log = log;
    this.series = seriesNames.map(() => new Map()); // epoch → value
    this.highlighted = null;
    this.build();
    this.resizer = new ResizeObserver(() => this.plot.setSize(this.size()));
    this.resizer.observe(container);
  }

  size() { return { width: Math.max(260, this.container.clientWidth - 4), height: 260 }; }

  build() {
    this.plot?.destroy();
    const dash = (i) => i >= COLORS.length ? [6, 4] : undefined;
    this.plot = new uPlot({
      title: this.title, ...this.size(),
      scales: { x: { time: false }, y: this.log ? { distr: 3 } : {} },
      axes: [{ label: 'epoch' }, { size: 60, values: (u, vals) => vals.map(v => v === null ? '' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : +v.toPrecision(3)) }],
      series: [{ label: 'epoch' }, ...this.names.map((n, i) => ({
        label: n, stroke: COLORS[i % COLORS.length], dash: dash(i), width: i === this.highlighted ? 3.5 : 1.2, spanGaps: true,
      }))],
    }, this.columns(), this.container);
  }

  columns() {
    const epochs = [...new Set(this.series.flatMap(s => [...s.keys()]))].sort((a, b) => a - b);
    return [epochs, ...this.series.map(s => epochs.map(e => s.has(e) ? s.get(e) : null))];
  }

  push(series, epoch, value) {
    if (series < 0 || series >= this.series.length || value === null || value === undefined || (this.log && value <= 0)) return;
    this.series[series].set(epoch, value);
    this.dirty = true;
  }

  highlight(series) {
    if (series === this.highlighted) return;
    this.highlighted = series;
    this.build();
  }

  flush() {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.columns());
  }

  get points() { return this.series.reduce((n, s) => n + s.size, 0); }
  get seriesWithPoints() { return this.series.filter(s => s.size > 0).length; }
  destroy() { this.resizer.disconnect(); this.plot.destroy(); }
}
