// The page's one uPlot wrapper: a chart's figure (caption, plot area, a visually hidden summary for
// screen readers), a plot that follows its area's width, money- and number-formatted axes, and colours.
// Training curves (charts.js), compared runs (compare.js), PPO diagnostics (diagnostics.js) and simulation
// fan charts (use/fanchart.js) use it.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { formatAs, formatTicks } from './format.js';

export const CHART_HEIGHT = 190;
const MIN_WIDTH = 200;

// ('#2563eb', 0.25) -> '#2563eb40': a colour at an opacity, for faint series and bands.
export function translucent(hex, opacity) {
  return `${hex}${Math.round(opacity * 255).toString(16).padStart(2, '0')}`;
}

// A <figure class="chart"> in `parent`: {figure, plotArea, summary}. The plot area is hidden from
// screen readers; the summary says in words what the chart shows.
export function chartFigure(parent, id, title) {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.dataset.chart = id;
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  const plotArea = document.createElement('div');
  plotArea.className = 'chart-plot';
  plotArea.setAttribute('aria-hidden', 'true');
  const summary = document.createElement('p');
  summary.className = 'visually-hidden chart-summary';
  figure.append(caption, plotArea, summary);
  parent.append(figure);
  return { figure, plotArea, summary };
}

// A uPlot in `area`, as wide as the area and following its width; destroying the plot stops following.
export function fitPlot(options, data, area, height = CHART_HEIGHT) {
  const width = () => Math.max(area.clientWidth, MIN_WIDTH);
  const observer = new ResizeObserver(() => plot.setSize({ width: width(), height }));
  const hooks = { ...options.hooks, destroy: [...(options.hooks?.destroy ?? []), () => observer.disconnect()] };
  const plot = new uPlot({ ...options, width: width(), height, hooks }, data, area);
  observer.observe(area);
  return plot;
}

// An axis whose tick labels are values of a kind ('euro' | 'percent' | 'number' | 'integer', format.js).
export function formattedAxis(kind, options = {}) {
  return { size: 72, values: (u, splits, i, space, step) => formatTicks(kind, splits, step), ...options };
}

// A series' hover value in the legend, formatted as a kind.
export function formattedValue(kind, digits) {
  return (u, value) => formatAs(kind, value, digits);
}

// Columns of (x, y) tables with different x, joined on the union of their x (uPlot.join).
export const joinTables = (tables) => uPlot.join(tables);

// A series drawn as a dashed horizontal line at `value` (a reference: a baseline's score, say): (n,) column.
export const levelColumn = (xs, value) => xs.map(() => value);

// A line chart of several series over one x (compared runs, diagnostics) in `parent`:
// spec {id, title, x: {kind, label}, y: {kind, digits}, series: [{label, color, width, dash, className, show,
// points}], bands: [[upper, lower, fill]] (series numbers, 1 the first series: the area between them is filled)};
// data: [x (n,), ...one (n,) column per series], null where a series has no value.
// Returns {figure, plot, summary}; figure.chart = {plot}, for tests and tools.
export function lineChart(parent, spec, data, height = CHART_HEIGHT) {
  const { figure, plotArea, summary } = chartFigure(parent, spec.id, spec.title);
  const value = formattedValue(spec.y.kind, spec.y.digits);
  const plot = fitPlot({
    scales: { x: { time: false } },
    axes: [formattedAxis(spec.x.kind, { label: spec.x.label, size: 44 }), formattedAxis(spec.y.kind)],
    series: [
      { label: spec.x.label, value: formattedValue(spec.x.kind, 0) },
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 2,
        dash: s.dash,
        class: s.className,
        show: s.show ?? true,
        spanGaps: true,
        points: { show: s.points ?? false, size: 6, stroke: s.color, fill: s.color },
        value,
      })),
    ],
    bands: (spec.bands ?? []).map(([upper, lower, fill]) => ({ series: [upper, lower], fill })),
    legend: { live: true },
  }, data, plotArea, height);
  figure.chart = { plot };
  return { figure, plot, summary };
}
