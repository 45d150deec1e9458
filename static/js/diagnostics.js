// PPO diagnostics, per update of each agent (CleanRL's names; docs/dashboard.md maps them to
// Stable-Baselines3's train/* keys): one chart per diagnostic, a line per agent, over episodes. Fed with a
// history's `diagnostics` ({strategist: {update: [], episode: [], policy_loss: [], ...}, executor: {...}})
// and live training_diagnostics events; drawn once per frame.
import { formatAs, formatNumber } from './format.js';
import { onNextFrame } from './frame.js';
import { joinTables, lineChart } from './plot.js';

export const DIAGNOSTICS = [
  { key: 'policy_loss', label: 'Policy loss', kind: 'number', digits: 4 },
  { key: 'value_loss', label: 'Value loss', kind: 'number', digits: 4 },
  { key: 'entropy', label: 'Entropy', kind: 'number', digits: 3 },
  { key: 'approx_kl', label: 'Approximate KL', kind: 'number', digits: 5 },
  { key: 'clip_fraction', label: 'Clip fraction', kind: 'percent', digits: 1 },
  { key: 'explained_variance', label: 'Explained variance', kind: 'number', digits: 3 },
  { key: 'learning_rate', label: 'Learning rate', kind: 'number', digits: 6 },
];

const AGENTS = [
  { key: 'strategist', label: 'Strategist', color: '#2563eb' },
  { key: 'executor', label: 'Executor', color: '#b45309' },
];
const FIELDS = ['episode', ...DIAGNOSTICS.map((d) => d.key)];

const emptyColumns = () => Object.fromEntries(FIELDS.map((field) => [field, []]));

// An agent's columns with one entry per episode (the last update of an episode), in episode order.
function byEpisode(columns) {
  const last = new Map();
  (columns.episode ?? []).forEach((episode, i) => last.set(episode, i));
  const order = [...last.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  return Object.fromEntries(FIELDS.map((field) => [field, order.map((i) => columns[field]?.[i] ?? null)]));
}

export class DiagnosticsCharts {
  // container: where the charts go; hint: the element saying there is nothing to chart yet (hidden once there is).
  constructor(container, hint = null) {
    this.container = container;
    this.hint = hint;
    this.charts = [];
    this.redraw = () => this.draw();
    this.reset();
  }

  // A saved history's diagnostics (null or absent: none yet).
  reset(diagnostics = null) {
    this.columns = Object.fromEntries(AGENTS.map(({ key }) => [key, byEpisode(diagnostics?.[key] ?? {})]));
    onNextFrame(this.redraw);
  }

  // One training_diagnostics event: {agent, episode, policy_loss, ...}.
  push(event) {
    const columns = this.columns[event.agent];
    if (!columns) return;
    const n = columns.episode.length;
    if (n && event.episode < columns.episode[n - 1]) return; // older than what is shown
    if (n && event.episode === columns.episode[n - 1]) FIELDS.forEach((field) => columns[field].pop());
    FIELDS.forEach((field) => columns[field].push(event[field] ?? null));
    onNextFrame(this.redraw);
  }

  get count() {
    return AGENTS.reduce((sum, { key }) => sum + this.columns[key].episode.length, 0);
  }

  draw() {
    const empty = this.count === 0;
    this.container.dataset.updates = String(this.count);
    if (this.hint) this.hint.hidden = !empty;
    if (empty) {
      this.destroy();
      return;
    }
    if (!this.charts.length) this.charts = DIAGNOSTICS.map((diagnostic) => this.chart(diagnostic));
    for (const { diagnostic, plot, figure, summary } of this.charts) {
      const data = this.data(diagnostic.key);
      plot.setData(data);
      figure.dataset.points = String(data[0].length);
      summary.textContent = this.describe(diagnostic);
    }
  }

  data(key) {
    return joinTables(AGENTS.map(({ key: agent }) => [this.columns[agent].episode, this.columns[agent][key]]));
  }

  chart(diagnostic) {
    const spec = {
      id: diagnostic.key,
      title: diagnostic.label,
      x: { kind: 'number', label: 'Episode' },
      y: { kind: diagnostic.kind, digits: diagnostic.digits },
      series: AGENTS.map(({ label, color }) => ({ label, color, points: true })),
    };
    return { diagnostic, ...lineChart(this.container, spec, this.data(diagnostic.key)) };
  }

  // The latest value of each agent, in words, for screen readers.
  describe({ key, kind, digits }) {
    const parts = AGENTS.filter(({ key: agent }) => this.columns[agent].episode.length).map(({ key: agent, label }) => {
      const columns = this.columns[agent];
      const last = columns.episode.length - 1;
      return `${label} ${formatAs(kind, columns[key][last], digits)} at episode ${formatNumber(columns.episode[last])}`;
    });
    return `Latest: ${parts.join('; ')}.`;
  }

  destroy() {
    for (const { plot, figure } of this.charts) {
      plot.destroy();
      figure.remove();
    }
    this.charts = [];
  }
}
