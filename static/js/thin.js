// Thinning of long series for drawing: per bucket of consecutive points, the lowest and
// the highest of each series are kept, so a dip or a spike always shows.

// series: columns (m of them, each (n,)); returns the sorted indices to draw (first, last
// and `keep` included), or null when all n fit in maxPoints.
export function minMaxIndices(series, maxPoints, keep = []) {
  const n = series.length ? series[0].length : 0;
  if (n <= maxPoints) return null;
  const buckets = Math.max(1, Math.floor((maxPoints - 2 - keep.length) / (2 * series.length)));
  const picked = new Set([0, n - 1, ...keep]);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
    for (const column of series) {
      let low = from;
      let high = from;
      for (let i = from + 1; i < to; i++) {
        if (column[i] < column[low]) low = i;
        if (column[i] > column[high]) high = i;
      }
      picked.add(low).add(high);
    }
  }
  return [...picked].sort((a, b) => a - b);
}
