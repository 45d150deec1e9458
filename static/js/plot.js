// The page's one uPlot wrapper: a chart's figure (caption, plot area, a visually hidden summary for
// screen readers), a plot that follows its area's size, money- and number-formatted axes with uPlot's round
// tick steps (1, 2, 2.5 or 5 times a power of ten), hover values in the legend, percentile bands, labelled
// reference lines, series switched on and off by checkboxes, and colours.
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
// height: pixels, or a function of the width (a shorter chart on a phone).
export function fitPlot(options, data, area, height = CHART_HEIGHT) {
  const width = () => Math.max(area.clientWidth, MIN_WIDTH);
  const size = () => ({ width: width(), height: typeof height === 'function' ? Math.round(height(width())) : height });
  const observer = new ResizeObserver(() => {
    const next = size();
    if (next.width !== plot.width || next.height !== plot.height) plot.setSize(next);
  });
  const hooks = { ...options.hooks, destroy: [...(options.hooks?.destroy ?? []), () => observer.disconnect()] };
  const plot = new uPlot({ ...options, ...size(), hooks }, data, area);
  observer.observe(area);
  return plot;
}

// uPlot's series, data columns and bands of one chart, added in drawing order: lines, and percentile bands
// (a band's two bounds are faint series, with hover values, filled between).
export class SeriesSet {
  constructor(x, xSeries) {
    this.series = [xSeries];
    this.data = [x];
    this.bands = [];
  }

  // A line; returns its series index.
  line(values, options) {
    this.series.push({ points: { show: false }, ...options });
    this.data.push(values);
    return this.series.length - 1;
  }

  // band: {high, low, highLabel, lowLabel, color, opacity, value}: the area between two percentiles.
  band({ high, low, highLabel, lowLabel, color, opacity, value }) {
    const edge = translucent(color, opacity);
    const top = this.line(high, { label: highLabel, stroke: edge, width: 1, value });
    const bottom = this.line(low, { label: lowLabel, stroke: edge, width: 1, value });
    this.bands.push({ series: [top, bottom], fill: edge });
  }
}

// Horizontal reference lines across the plot (a safety buffer, a baseline's score): lines [{value, label,
// color, dash}], each labelled at its right end; the y scale stretched to show them. A uPlot plugin.
export function referenceLines(lines) {
  const values = lines.map((line) => line.value);
  return {
    opts: (u, options) => {
      const y = options.scales?.y ?? {};
      const range = (self, min, max) => uPlot.rangeNum(Math.min(min ?? Infinity, ...values), Math.max(max ?? -Infinity, ...values), 0.1, true);
      return { ...options, scales: { ...options.scales, y: { ...y, range } } };
    },
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        for (const line of lines) {
          const y = Math.round(u.valToPos(line.value, 'y', true));
          if (y < bbox.top || y > bbox.top + bbox.height) continue;
          ctx.strokeStyle = line.color;
          ctx.fillStyle = line.color;
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash((line.dash ?? [6, 3]).map((dash) => dash * devicePixelRatio));
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          ctx.fillText(line.label, bbox.left + bbox.width - 4 * devicePixelRatio, y - 3 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

// A checkbox per series, to show and hide it: items [{key, label, color, shown}]; onToggle(item, shown) when one
// changes. Each is a label (class series-toggle: box, colour swatch, name), its box's data-series the item's key.
export function toggleLabels(items, onToggle) {
  return items.map((item) => {
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: item.shown });
    box.dataset.series = String(item.key);
    box.addEventListener('change', () => onToggle(item, box.checked));
    const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
    swatch.style.background = item.color;
    const label = Object.assign(document.createElement('label'), { className: 'series-toggle' });
    label.append(box, swatch, item.label);
    return label;
  });
}

// Checkboxes that show and hide series of one plot: items [{index, label, color, shown}], in a fieldset under
// `legend`. The plot starts with each series shown as its item says.
export function seriesToggles(plot, items, legend) {
  const fieldset = document.createElement('fieldset');
  fieldset.className = 'series-toggles';
  fieldset.append(Object.assign(document.createElement('legend'), { textContent: legend }));
  const show = (index, shown) => plot.series[index].show !== shown && plot.setSeries(index, { show: shown });
  fieldset.append(...toggleLabels(items.map((item) => ({ ...item, key: item.index })), (item, shown) => show(item.index, shown)));
  for (const { index, shown } of items) show(index, shown);
  return fieldset;
}

// Legend rows that only show values: a series is shown or hidden by the page's own controls, not by a click
// on its legend row (uPlot's default), which a keyboard cannot reach.
export const VALUES_ONLY_LEGEND = { cursor: { bind: { click: () => null } }, legend: { live: true } };

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
