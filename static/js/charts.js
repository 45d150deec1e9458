// Line charts of training_progress over episodes (uPlot). Points are appended
// as they arrive and drawn at most once per animation frame; long runs are
// decimated to a bounded number of points so redraws stay cheap.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { CHARTS } from './metrics.js';
import { onNextFrame } from './frame.js';

const MAX_POINTS = 1200;
const HEIGHT = 190;

// Keeps every stride-th point plus the last one.
export function decimate(columns, maxPoints) {
  const n = columns[0].length;
  if (n <= maxPoints) return columns;
  const stride = Math.ceil(n / maxPoints);
  const picked = [];
  for (let i = 0; i < n; i += stride) picked.push(i);
  if (picked[picked.length - 1] !== n - 1) picked.push(n - 1);
  return columns.map((column) => picked.map((i) => column[i]));
}

function chartOptions(spec, width) {
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: false } },
    axes: [{ label: 'episode', size: 40 }, { size: 60 }],
    series: [
      { label: 'episode' },
      ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } })),
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
  };
}

class EpisodeChart {
  constructor(spec, parent) {
    this.spec = spec;
    this.figure = document.createElement('figure');
    this.figure.className = 'chart';
    this.figure.dataset.chart = spec.id;
    this.figure.dataset.points = '0';
    const caption = document.createElement('figcaption');
    caption.textContent = spec.title;
    this.plotArea = document.createElement('div');
    this.plotArea.className = 'chart-plot';
    this.figure.append(caption, this.plotArea);
    parent.append(this.figure);
    this.plot = new uPlot(chartOptions(spec, this.width()), this.emptyColumns(), this.plotArea);
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: HEIGHT })).observe(this.plotArea);
  }

  width() {
    return Math.max(this.plotArea.clientWidth, 200);
  }

  emptyColumns() {
    return [[], ...this.spec.series.map(() => [])];
  }

  draw(columns) {
    const episodes = columns.episode;
    this.plot.setData(decimate([episodes, ...this.spec.series.map((s) => columns[s.key])], MAX_POINTS));
    this.figure.dataset.points = String(episodes.length);
    this.figure.dataset.lastEpisode = episodes.length ? String(episodes[episodes.length - 1]) : '';
  }
}

// A set of the CHARTS, fed with training_progress rows kept as columns.
export class ChartGroup {
  constructor(container) {
    this.keys = ['episode', ...new Set(CHARTS.flatMap((spec) => spec.series.map((s) => s.key)))];
    this.charts = CHARTS.map((spec) => new EpisodeChart(spec, container));
    this.redraw = () => {
      for (const chart of this.charts) chart.draw(this.columns);
    };
    this.reset();
  }

  lastEpisode() {
    const episodes = this.columns.episode;
    return episodes.length ? episodes[episodes.length - 1] : 0;
  }

  // Replaces everything plotted with the given rows.
  reset(rows = []) {
    this.rows = rows.slice();
    this.columns = Object.fromEntries(this.keys.map((key) => [key, rows.map((row) => row[key])]));
    onNextFrame(this.redraw);
  }

  // Appends one row; a row for an episode already plotted is ignored.
  push(row) {
    if (row.episode <= this.lastEpisode()) return;
    this.rows.push(row);
    for (const key of this.keys) this.columns[key].push(row[key]);
    onNextFrame(this.redraw);
  }

  // Puts a run's history so far under the rows already received live after it.
  catchUp(history) {
    const last = history.length ? history[history.length - 1].episode : 0;
    this.reset([...history, ...this.rows.filter((row) => row.episode > last)]);
  }
}
