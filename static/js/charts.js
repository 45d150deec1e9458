// Line charts of training_progress over episodes (uPlot), in groups that share a cursor,
// a zoom (drag across any chart; double-click or "Reset zoom" to undo) and the page's
// smoothing. Each metric is drawn smoothed, over its faint raw series; hover values use the
// page's formatters. Points are appended as they arrive and drawn at most once per
// animation frame; long runs are thinned to at most MAX_POINTS by min/max per bucket.
import { button } from './dom.js';
import { formatAs, formatNumber } from './format.js';
import { onNextFrame } from './frame.js';
import { CHARTS, METRIC } from './metrics.js';
import { chartFigure, fitPlot, formattedAxis, formattedValue, levelColumn, translucent } from './plot.js';
import { onSmoothingChange, smooth, smoothingControl, smoothingWeight } from './smoothing.js';
import { minMaxIndices } from './thin.js';

const MAX_POINTS = 1200;
const EVALUATION_COLOR = '#111827';
let groupCount = 0;

// The raw series under the smoothed one: the same colour at a quarter opacity.
const faint = (hex) => translucent(hex, 0.25);

function valueFormatter(metric) {
  return formattedValue(metric.kind, metric.digits);
}

// references: [{label, value, color}], dashed levels (baselines' held-out scores, say).
function chartOptions(spec, group, references) {
  const metrics = spec.series.map((s) => METRIC[s.key]);
  const lines = (raw) => metrics.map((metric, i) => ({
    label: raw ? `${metric.label} (raw)` : metric.label,
    stroke: raw ? faint(spec.series[i].color) : spec.series[i].color,
    width: raw ? 1 : 2,
    points: { show: false },
    value: valueFormatter(metric),
  }));
  const evaluations = spec.evaluations ? [{
    label: 'Held-out evaluation',
    stroke: EVALUATION_COLOR,
    paths: () => null,
    points: { show: true, size: 8, width: 2, stroke: EVALUATION_COLOR, fill: '#fbbf24' },
    value: valueFormatter(METRIC[spec.evaluations]),
  }] : [];
  const levels = references.map(({ label, color }) => ({
    label, stroke: color, width: 1.5, dash: [6, 4], points: { show: false }, value: valueFormatter(metrics[0]),
  }));
  return {
    scales: { x: { time: false, range: (u, min, max) => group.xRange(min, max) } },
    axes: [formattedAxis('number', { label: 'Episode', size: 44 }), formattedAxis(metrics[0].kind)],
    series: [{ label: 'Episode', value: formattedValue('number', 0) }, ...lines(false), ...lines(true), ...evaluations,
      ...levels],
    cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: group.syncKey } },
    legend: { live: true },
    hooks: { setSelect: [(u) => group.zoomToSelection(u)] },
  };
}

// (episodes (n,), evaluation records) -> (n,) column: the record's `key` at its episode, else null.
function evaluationColumn(episodes, evaluations, key) {
  const byEpisode = new Map(evaluations.map((record) => [record.episode, record[key]]));
  return episodes.map((episode) => byEpisode.get(episode) ?? null);
}

class EpisodeChart {
  constructor(spec, parent, group, references = []) {
    this.spec = spec;
    this.references = references;
    ({ figure: this.figure, summary: this.summary } = chartFigure(parent, spec.id, spec.title));
    this.figure.dataset.points = '0';
    this.figure.chart = this; // for tests and tools: the figure's chart object
    this.plot = fitPlot(chartOptions(spec, group, references), this.emptyData(), this.figure.querySelector('.chart-plot'));
    this.plot.over.addEventListener('dblclick', () => group.zoomTo(null));
  }

  emptyData() {
    return [[], ...this.spec.series.flatMap(() => [[], []]), ...(this.spec.evaluations ? [[]] : []),
      ...this.references.map(() => [])];
  }

  // columns: {field: (n,)}; evaluations: records with `episode`; weight: the EMA weight.
  draw(columns, evaluations, weight) {
    const episodes = columns.episode;
    const raw = this.spec.series.map((s) => columns[s.key]);
    const data = [episodes, ...raw.map((values) => smooth(values, weight)), ...raw];
    const keep = [];
    if (this.spec.evaluations) {
      const column = evaluationColumn(episodes, evaluations, this.spec.evaluations);
      column.forEach((value, i) => value !== null && keep.push(i));
      data.push(column);
    }
    data.push(...this.references.map(({ value }) => levelColumn(episodes, value)));
    const picked = minMaxIndices(raw, MAX_POINTS, keep);
    this.plot.setData(picked ? data.map((column) => picked.map((i) => column[i])) : data);
    this.figure.dataset.points = String(episodes.length);
    this.figure.dataset.lastEpisode = episodes.length ? String(episodes[episodes.length - 1]) : '';
    this.figure.dataset.evaluations = String(keep.length);
    this.summary.textContent = this.describe(data, keep);
  }

  // The latest values in words, for screen readers.
  describe(data, evaluationIndices) {
    const n = data[0].length;
    if (!n) return 'No episodes yet.';
    const last = n - 1;
    const parts = this.spec.series.map((s, i) => {
      const metric = METRIC[s.key];
      const format = (value) => formatAs(metric.kind, value, metric.digits);
      return `${metric.label} ${format(data[1 + this.spec.series.length + i][last])} (smoothed ${format(data[1 + i][last])})`;
    });
    let text = `At episode ${formatNumber(data[0][last])}: ${parts.join(', ')}.`;
    if (evaluationIndices.length) {
      const at = evaluationIndices[evaluationIndices.length - 1];
      const metric = METRIC[this.spec.evaluations];
      const column = data[1 + 2 * this.spec.series.length];
      text += ` Held-out evaluation at episode ${formatNumber(data[0][at])}: ${formatAs(metric.kind, column[at], metric.digits)}.`;
    }
    const metric = METRIC[this.spec.series[0].key];
    for (const { label, value } of this.references) text += ` ${label}: ${formatAs(metric.kind, value, metric.digits)}.`;
    return text;
  }
}

// The tools above a group of charts: smoothing (shared by the page) and zoom reset.
function toolbar(group) {
  const bar = document.createElement('div');
  bar.className = 'chart-tools';
  const smoothing = smoothingControl();
  const reset = button('Reset zoom', () => group.zoomTo(null), { className: 'reset-zoom' });
  reset.hidden = true;
  const help = document.createElement('span');
  help.className = 'chart-help';
  help.textContent = 'Drag across a chart to zoom, double-click to reset.';
  bar.append(smoothing, reset, help);
  return { bar, reset, smoothing };
}

// A set of the CHARTS, fed with training_progress rows kept as columns. `hint` is shown
// instead of empty charts; references: {chart id: [{label, value, color}]}, levels drawn dashed on those charts.
export class ChartGroup {
  constructor(container, { hint = 'No episodes to plot yet.', references = {} } = {}) {
    this.container = container;
    this.syncKey = `episodes-${++groupCount}`;
    this.zoom = null; // {min, max} episodes, or null for the whole run
    this.keys = ['episode', ...new Set(CHARTS.flatMap((spec) => spec.series.map((s) => s.key)))];
    const { bar, reset, smoothing } = toolbar(this);
    this.tools = bar;
    this.smoothing = smoothing;
    this.resetButton = reset;
    this.hint = document.createElement('p');
    this.hint.className = 'chart-hint muted';
    this.hint.textContent = hint;
    container.append(this.tools, this.hint);
    this.charts = CHARTS.map((spec) => new EpisodeChart(spec, container, this, references[spec.id]));
    this.redraw = () => this.draw();
    this.stopSmoothing = onSmoothingChange(() => onNextFrame(this.redraw));
    this.reset();
  }

  // Removes the charts and their tools from the container.
  destroy() {
    this.destroyed = true;
    this.stopSmoothing();
    this.smoothing.detach();
    for (const chart of this.charts) {
      chart.plot.destroy();
      chart.figure.remove();
    }
    this.tools.remove();
    this.hint.remove();
  }

  draw() {
    if (this.destroyed) return; // a frame asked for before the charts were removed
    const empty = this.columns.episode.length === 0;
    this.hint.hidden = !empty;
    this.tools.hidden = empty;
    this.resetButton.hidden = this.zoom === null;
    const weight = smoothingWeight();
    for (const chart of this.charts) {
      chart.figure.hidden = empty;
      chart.draw(this.columns, this.evaluations, weight);
    }
  }

  // uPlot's x range: the zoom, else the data's (a single episode gets some room).
  xRange(min, max) {
    if (this.zoom) return [this.zoom.min, this.zoom.max];
    if (min === null || max === null) return [0, 1];
    return min === max ? [min - 1, max + 1] : [min, max];
  }

  // Zooms every chart of the group to the episodes a drag selected in one.
  zoomToSelection(u) {
    const { left, width } = u.select;
    if (width < 4) return;
    const range = { min: u.posToVal(left, 'x'), max: u.posToVal(left + width, 'x') };
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.zoomTo(range);
  }

  // range: {min, max} episodes, or null for the whole run.
  zoomTo(range) {
    this.zoom = range;
    this.container.dataset.zoomed = String(range !== null);
    onNextFrame(this.redraw);
  }

  lastEpisode() {
    const episodes = this.columns.episode;
    return episodes.length ? episodes[episodes.length - 1] : 0;
  }

  // Replaces everything plotted with the given rows (and the evaluations, and the zoom).
  reset(rows = [], evaluations = []) {
    this.setRows(rows);
    this.evaluations = evaluations;
    this.zoomTo(null);
  }

  // The held-out evaluations ({episode, avg_reward, ...}) drawn as markers.
  setEvaluations(evaluations) {
    this.evaluations = evaluations;
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
    this.setRows([...history, ...this.rows.filter((row) => row.episode > last)]);
    onNextFrame(this.redraw);
  }

  setRows(rows) {
    this.rows = rows.slice();
    this.columns = Object.fromEntries(this.keys.map((key) => [key, this.rows.map((row) => row[key])]));
  }
}
