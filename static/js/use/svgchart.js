// Small SVG line charts over months (x in years, y in euros), for the Simulate view.
import { formatMoney } from './money.js';

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 300;
const PAD = 64;

function node(name, attributes, text) {
  const element = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// series: [{values, color, width, dash, label}], bands: [{low, high, color, opacity}]
export function lineChart({ title, months, bands = [], lines = [] }) {
  const all = [...bands.flatMap((b) => [b.low, b.high]), ...lines.map((l) => l.values)].flat();
  const low = Math.min(0, ...all);
  const high = Math.max(low + 1, ...all);
  const x = (m) => PAD + ((WIDTH - 2 * PAD) * m) / Math.max(months - 1, 1);
  const y = (v) => HEIGHT - PAD + ((2 * PAD - HEIGHT) * (v - low)) / (high - low);
  const points = (values) => values.map((v, m) => `${x(m).toFixed(1)},${y(v).toFixed(1)}`);
  const svg = node('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'line-chart' });
  for (let i = 0; i <= 4; i += 1) {
    const value = low + ((high - low) * i) / 4;
    svg.append(node('line', { x1: PAD, x2: WIDTH - PAD, y1: y(value), y2: y(value), stroke: '#e5e7eb' }));
    svg.append(node('text', { x: PAD - 6, y: y(value) + 4, 'text-anchor': 'end', 'font-size': 11 }, formatMoney(value)));
  }
  for (let year = 0; year * 12 <= months; year += 1) {
    const m = Math.min(year * 12, months - 1);
    svg.append(node('text', { x: x(m), y: HEIGHT - PAD + 16, 'text-anchor': 'middle', 'font-size': 11 }, String(year)));
  }
  svg.append(node('text', { x: WIDTH / 2, y: HEIGHT - 20, 'text-anchor': 'middle', 'font-size': 11 }, 'years'));
  for (const band of bands) {
    const outline = [...points(band.low), ...points(band.high).reverse()].join(' ');
    svg.append(node('polygon', { points: outline, fill: band.color, 'fill-opacity': band.opacity, 'data-band': band.name }));
  }
  for (const line of lines) {
    svg.append(node('polyline', {
      points: points(line.values).join(' '), fill: 'none', stroke: line.color, 'stroke-width': line.width || 1.5,
      'stroke-dasharray': line.dash || 'none', 'data-line': line.name,
    }));
  }
  return svg;
}
