// The Simulate view's charts of monthly values (uPlot, through plot.js): x in years, y in euros with round
// ticks, percentile bands filled between their two bounds, lines (medians), labelled reference lines (the
// safety buffer), hover values in the legend. As wide as its box; shorter on a phone.
import { formatNumber } from '../format.js';
import { SeriesSet, VALUES_ONLY_LEGEND, fitPlot, formattedAxis, formattedValue, referenceLines } from '../plot.js';

// 300 px high on a wide box, down to 220 on a phone.
const height = (width) => Math.min(300, Math.max(220, width * 0.6));
// Ticks on the years axis: whole years, or quarters and halves on a short horizon.
const YEAR_STEPS = [0.25, 0.5, 1, 2, 5, 10, 20, 50];

// bands: [{highLabel, lowLabel, high (months,), low (months,), color, opacity}]; lines: [{label, values (months,),
// color, width, dash, show}]; references: [{value, label, color}]. Returns {plot, lines: each line's series index}.
export function fanChart(area, { months, bands = [], lines = [], references = [] }) {
  const euro = formattedValue('euro', 0);
  const years = Array.from({ length: months }, (_, month) => month / 12);
  const set = new SeriesSet(years, { label: 'Year', value: (u, year) => (year === null ? '–' : formatNumber(year, 1)) });
  for (const band of bands) set.band({ ...band, value: euro });
  const indexes = lines.map((line) => set.line(line.values, {
    label: line.label, stroke: line.color, width: line.width ?? 1.5, dash: line.dash, show: line.show ?? true, value: euro,
  }));
  const plot = fitPlot({
    ...VALUES_ONLY_LEGEND,
    scales: { x: { time: false } },
    axes: [formattedAxis('number', { label: 'Years', size: 44, incrs: YEAR_STEPS }), formattedAxis('euro')],
    series: set.series,
    bands: set.bands,
    plugins: references.length ? [referenceLines(references)] : [],
  }, set.data, area, height);
  return { plot, lines: indexes };
}
