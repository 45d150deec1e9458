// The page's one uPlot wrapper: a chart's figure (caption, plot area, a visually hidden summary for
// screen readers), a plot that follows its area's width, money- and number-formatted axes, and colours.
// Training curves (charts.js), compared runs (runs.js) and simulation fan charts (use/fanchart.js) use it.
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
