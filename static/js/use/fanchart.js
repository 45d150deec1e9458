// The Simulate view's charts of monthly values (uPlot, through plot.js): x in years, y in euros,
// percentile bands filled between their two bounds, then lines (medians, the safety buffer).
import { fitPlot, formattedAxis, formattedValue, translucent } from '../plot.js';

const HEIGHT = 300;

// bands: [{label, low (months,), high (months,), color, opacity}]; lines: [{label, values (months,), color,
// width, dash ([5, 3]) }]. Returns the uPlot: series 0 the years, then each band's high and low, then the lines.
export function fanChart(area, { months, bands = [], lines = [] }) {
  const euro = formattedValue('euro', 0);
  const series = [{ label: 'Year', value: formattedValue('number', 1) }];
  const data = [Array.from({ length: months }, (_, month) => month / 12)];
  const fills = [];
  for (const band of bands) {
    const edge = translucent(band.color, band.opacity);
    series.push({ label: `${band.label} (high)`, stroke: edge, points: { show: false }, value: euro },
      { label: `${band.label} (low)`, stroke: edge, points: { show: false }, value: euro });
    data.push(band.high, band.low);
    fills.push({ series: [series.length - 2, series.length - 1], fill: edge });
  }
  for (const line of lines) {
    series.push({ label: line.label, stroke: line.color, width: line.width ?? 1.5, dash: line.dash, points: { show: false }, value: euro });
    data.push(line.values);
  }
  return fitPlot({
    scales: { x: { time: false } },
    axes: [formattedAxis('number', { label: 'Years', size: 44 }), formattedAxis('euro')],
    series,
    bands: fills,
    legend: { show: false },
  }, data, area, HEIGHT);
}
