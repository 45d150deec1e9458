// Runs compared (#/compare/{id},{id},...; 2 to 8): each metric on one chart, a line per run named by its name,
// with the page's smoothing, a check box per run to show or hide it, episodes or wall time along the x axis,
// runs that differ only by seed grouped into their mean ± one standard deviation, and a table of the settings
// that differ.
import { api } from './api.js';
import { $ } from './dom.js';
import { formatAs } from './format.js';
import { CHARTS, METRIC } from './metrics.js';
import { joinTables, lineChart, toggleLabels, translucent } from './plot.js';
import { LOCAL_SETTINGS, configRows, runName, settingValue } from './runmeta.js';
import { MAX_COMPARED } from './runs.js';
import { onSmoothingChange, smooth, smoothingControl, smoothingWeight } from './smoothing.js';

const HISTORY_POINTS = 600;
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
// One chart per metric the training charts show, titled with the metric: never twice the same title.
const METRICS = CHARTS.flatMap((chart) => chart.series.map(({ key }) => ({
  metric: METRIC[key], title: chart.series.length > 1 ? METRIC[key].label : chart.title,
})));
const X_AXES = {
  episode: { field: 'episode', kind: 'integer', label: 'Episode' },
  time: { field: 'elapsed_time', kind: 'duration', label: 'Wall time' },
};
const SEED_SETTINGS = new Set(['seed', 'config: seed']);

// The settings that define a run but its seed (and where its files went): runs with the same differ only by seed.
function signature(run) {
  return JSON.stringify([run.scenario_name, configRows(run.config).filter(([key]) => key !== 'seed' && !SEED_SETTINGS.has(key)
    && !LOCAL_SETTINGS.has(key))]);
}

// Runs (indices) that differ only by seed, in order of first appearance: [[0, 2], [1], ...].
export function seedGroups(runs) {
  const groups = new Map();
  runs.forEach((run, i) => {
    const key = signature(run);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
}

// Values at each x shared by the members: [x (n,), mean (n,), mean + sd (n,), mean - sd (n,)], by episode
// (with wall time, a point's x is the members' mean time at that episode).
function meanBand(tables) {
  const byEpisode = new Map();
  for (const { episodes, xs, ys } of tables) {
    episodes.forEach((episode, i) => {
      if (ys[i] === null || ys[i] === undefined) return;
      const at = byEpisode.get(episode) ?? { x: [], y: [] };
      at.x.push(xs[i]);
      at.y.push(ys[i]);
      byEpisode.set(episode, at);
    });
  }
  const rows = [...byEpisode.entries()].filter(([, at]) => at.y.length === tables.length).sort((a, b) => a[0] - b[0]);
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const columns = [[], [], [], []];
  for (const [, at] of rows) {
    const m = mean(at.y);
    const sd = Math.sqrt(mean(at.y.map((v) => (v - m) ** 2)));
    columns[0].push(mean(at.x));
    columns[1].push(m);
    columns[2].push(m + sd);
    columns[3].push(m - sd);
  }
  return columns;
}

// A table's columns with one row per x: the last (episodes finish in batches, several at the same wall time).
function lastOfEachX(table) {
  const [xs] = table;
  const keep = xs.map((x, i) => i).filter((i) => i === xs.length - 1 || xs[i + 1] !== xs[i]);
  return table.map((column) => keep.map((i) => column[i]));
}

export class ComparePage {
  constructor({ onError }) {
    this.root = $('compare-page');
    this.onError = onError;
    this.ids = [];
    this.runs = [];
    this.histories = [];
    this.charts = [];
    this.hidden = new Set(); // entries not drawn, by key
    this.tools = $('compare-tools');
    this.tools.prepend(smoothingControl());
    this.group = $('compare-group');
    this.tools.addEventListener('change', (event) => {
      if (event.target.name === 'compare-x' || event.target === this.group) this.draw();
    });
    onSmoothingChange(() => !this.root.hidden && this.update());
  }

  hide() {
    this.root.hidden = true;
  }

  get xAxis() {
    return X_AXES[this.tools.querySelector('input[name="compare-x"]:checked')?.value ?? 'episode'];
  }

  // ids: the address's runs; the first MAX_COMPARED distinct ones are compared.
  async show(asked) {
    const ids = [...new Set(asked)].slice(0, MAX_COMPARED);
    this.root.hidden = false;
    const key = ids.join(',');
    if (key === this.ids.join(',') && this.runs.length) return; // back to the same comparison
    this.ids = ids;
    this.root.dataset.state = 'loading';
    $('compare-title').textContent = `Compare ${ids.length} runs`;
    document.title = `Compare ${ids.length} runs · HRL Finance`;
    this.destroyCharts();
    try {
      const [runs, histories] = await Promise.all([
        Promise.all(ids.map((id) => api.run(id))),
        Promise.all(ids.map((id) => api.runHistory(id, HISTORY_POINTS))),
      ]);
      if (ids.join(',') !== this.ids.join(',')) return; // another comparison was asked for meanwhile
      this.runs = runs;
      this.histories = histories;
    } catch (error) {
      this.runs = [];
      $('compare-status').textContent = `These runs could not be read: ${error.describe?.() ?? error.message}`;
      this.root.dataset.state = 'missing';
      return;
    }
    this.hidden.clear();
    const groups = seedGroups(this.runs);
    this.group.disabled = !groups.some((members) => members.length > 1);
    if (this.group.disabled) this.group.checked = false;
    const sets = groups.filter((members) => members.length > 1);
    $('compare-status').textContent = sets.length === 0 ? 'No two of these runs differ only by their seed.'
      : sets.length === 1 ? `${sets[0].length} of these runs differ only by their seed: they can be drawn as their mean and a band.`
        : `${sets.length} sets of these runs differ only by their seed: each can be drawn as its mean and a band.`;
    this.diffTable();
    this.draw();
    this.root.dataset.state = 'shown';
  }

  // What each line (or band) is: a run, or runs that differ only by seed when grouping.
  entries() {
    const seeds = new Set(this.runs.map((run) => run.seed));
    // A run without a name of its own is told apart by its seed.
    const named = (run) => (seeds.size > 1 && !run.name ? `${runName(run)}, seed ${run.seed ?? 'random'}` : runName(run));
    const groups = this.group.checked ? seedGroups(this.runs) : this.runs.map((_, i) => [i]);
    return groups.map((members, i) => {
      const first = this.runs[members[0]];
      const label = members.length === 1 ? named(first)
        : `${first.scenario_name}, seeds ${members.map((m) => this.runs[m].seed).join(', ')} (mean ± standard deviation)`;
      return { key: members.map((m) => this.ids[m]).join('+'), label, color: COLORS[i % COLORS.length], members };
    });
  }

  // One entry's table of a metric: [x, line] for a run, [x, mean, upper, lower] for a group (smoothed).
  table(entry, key) {
    const { field } = this.xAxis;
    const weight = smoothingWeight();
    const series = entry.members.map((m) => {
      const progress = this.histories[m].progress;
      return { episodes: progress.map((p) => p.episode), xs: progress.map((p) => p[field]), ys: smooth(progress.map((p) => p[key]), weight) };
    });
    const table = series.length === 1 ? [series[0].xs, series[0].ys] : meanBand(series);
    return field === 'episode' ? table : lastOfEachX(table);
  }

  // The chart's spec; its series' `entry`: the key of the line (or band) each belongs to.
  spec(entries, { metric, title }) {
    const series = [];
    const bands = [];
    for (const entry of entries) {
      const show = !this.hidden.has(entry.key);
      series.push({ label: entry.label, color: entry.color, show, entry: entry.key });
      if (entry.members.length > 1) {
        const edge = { color: translucent(entry.color, 0.4), width: 1, className: 'band-edge', show, entry: entry.key };
        series.push({ ...edge, label: `${entry.label}, + 1 sd` }, { ...edge, label: `${entry.label}, − 1 sd` });
        bands.push([series.length - 1, series.length, translucent(entry.color, 0.18)]);
      }
    }
    const x = this.xAxis;
    return { id: metric.key, title, x: { kind: x.kind, label: x.label }, y: { kind: metric.kind, digits: metric.digits }, series, bands };
  }

  data(entries, metric) {
    return joinTables(entries.map((entry) => this.table(entry, metric.key)));
  }

  // Builds the charts afresh (another x axis, grouping or runs).
  draw() {
    this.destroyCharts();
    const entries = this.entries();
    this.entriesShown = entries;
    this.toggles(entries);
    const box = $('compare-charts');
    box.dataset.runs = this.ids.join(' ');
    box.dataset.x = this.xAxis.field;
    box.dataset.grouped = String(this.group.checked);
    this.charts = METRICS.map((chart) => {
      const spec = this.spec(entries, chart);
      const drawn = lineChart(box, spec, this.data(entries, chart.metric));
      drawn.figure.dataset.series = String(entries.length);
      drawn.summary.textContent = this.describe(entries, chart.metric, drawn.plot.data);
      return { ...drawn, metric: chart.metric, owners: spec.series.map((series) => series.entry) };
    });
  }

  // The same charts with new values (the smoothing changed).
  update() {
    const entries = this.entriesShown ?? [];
    for (const { plot, metric, summary } of this.charts) {
      plot.setData(this.data(entries, metric));
      summary.textContent = this.describe(entries, metric, plot.data);
    }
  }

  // Each line's last value, in words, for screen readers.
  describe(entries, metric, data) {
    let column = 1;
    const parts = entries.map((entry) => {
      const values = data[column].filter((v) => v !== null && v !== undefined);
      column += entry.members.length > 1 ? 3 : 1;
      return `${entry.label}: ${formatAs(metric.kind, values[values.length - 1], metric.digits)}`;
    });
    return `Last values, smoothed: ${parts.join('; ')}.`;
  }

  destroyCharts() {
    for (const { plot, figure } of this.charts) {
      plot.destroy();
      figure.remove();
    }
    this.charts = [];
  }

  // A check box per line: shows or hides it (and its band) on every chart.
  toggles(entries) {
    const box = $('compare-series');
    box.querySelectorAll(':scope > label').forEach((label) => label.remove());
    const items = entries.map((entry) => ({ key: entry.key, label: entry.label, color: entry.color, shown: !this.hidden.has(entry.key), entry }));
    box.append(...toggleLabels(items, (item, shown) => this.setShown(item.entry, shown)));
  }

  setShown(entry, shown) {
    if (shown) this.hidden.delete(entry.key); else this.hidden.add(entry.key);
    for (const { plot, owners } of this.charts) {
      owners.forEach((owner, i) => owner === entry.key && plot.setSeries(i + 1, { show: shown }));
    }
  }

  // Only the settings that differ between the runs, a column per run.
  diffTable() {
    const table = $('compare-diff');
    const rows = this.runs.map((run) => new Map(configRows(run.config).map(([key, value]) => [key, settingValue(value)])));
    const keys = [...new Set(rows.flatMap((row) => [...row.keys()]))];
    const differing = keys.filter((key) => new Set(rows.map((row) => row.get(key) ?? '–')).size > 1);
    const head = document.createElement('tr');
    const corner = document.createElement('th');
    corner.textContent = 'Setting';
    head.append(corner, ...this.runs.map((run, i) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = runName(run);
      th.style.borderBottom = `3px solid ${COLORS[i % COLORS.length]}`;
      return th;
    }));
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...differing.map((key) => {
      const tr = document.createElement('tr');
      tr.dataset.setting = key;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = key;
      tr.append(th, ...rows.map((row) => Object.assign(document.createElement('td'), { textContent: row.get(key) ?? '–' })));
      return tr;
    }));
    $('compare-diff-empty').hidden = differing.length > 0;
    table.hidden = differing.length === 0;
  }
}
