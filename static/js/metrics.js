// One definition of every training_progress field, as the trainer computes it
// (means over the most recent completed episodes), shared by cards, charts and tables.
// kind picks the formatter (format.js: formatAs); digits its decimals on cards and hover values.
import { formatAs, formatDuration, formatNumber } from './format.js';

export const METRICS = [
  {
    key: 'episode',
    label: 'Episode',
    hint: 'Completed episodes out of the run\'s total.',
    format: (value, progress) => `${formatNumber(value)} / ${formatNumber(progress.total_episodes)}`,
  },
  {
    key: 'avg_reward',
    label: 'Average reward',
    kind: 'number',
    digits: 2,
    hint: 'Total reward of an episode: real wealth, spending utility, buffer penalties. Higher is better.',
  },
  {
    key: 'avg_duration',
    label: 'Months lasted',
    kind: 'number',
    digits: 1,
    hint: 'Months the household lasted; the horizon if it never went broke. Higher is better.',
  },
  { key: 'avg_cash', label: 'Liquid money', kind: 'euro', digits: 0, hint: 'Cash plus savings at the end of an episode.' },
  {
    key: 'avg_invested',
    label: 'Invested',
    kind: 'euro',
    digits: 0,
    hint: 'Market value of the portfolio at the end of an episode.',
  },
  {
    key: 'stability',
    label: 'Stability',
    kind: 'percent',
    digits: 1,
    hint: 'Share of months ending at or above the safety buffer. 100 % = never dipped under it.',
  },
  {
    key: 'goal_adherence',
    label: 'Goal distance',
    kind: 'number',
    digits: 4,
    hint: 'Distance between the Executor\'s split and the Strategist\'s target, 0 to 1. Lower is better.',
  },
  { key: 'elapsed_time', label: 'Elapsed', hint: 'Wall-clock time since the run started.', format: formatDuration },
];

export const METRIC = Object.fromEntries(METRICS.map((metric) => [metric.key, metric]));

// A metric's value as its card shows it.
export function formatMetric(key, value, progress) {
  const metric = METRIC[key];
  return metric.format ? metric.format(value, progress) : formatAs(metric.kind, value, metric.digits);
}

// The charts drawn over episodes: each lists the metrics it plots (one y axis, so one kind).
// `evaluations` adds the held-out evaluation scores of that metric as markers.
export const CHARTS = [
  { id: 'reward', title: 'Average reward', series: [{ key: 'avg_reward', color: '#2563eb' }], evaluations: 'avg_reward' },
  {
    id: 'wealth',
    title: 'Liquid money vs invested',
    series: [
      { key: 'avg_cash', color: '#047857' },
      { key: 'avg_invested', color: '#b45309' },
    ],
  },
  { id: 'stability', title: 'Stability (higher is better)', series: [{ key: 'stability', color: '#7c3aed' }] },
  { id: 'goal', title: 'Goal distance (lower is better)', series: [{ key: 'goal_adherence', color: '#dc2626' }] },
];
