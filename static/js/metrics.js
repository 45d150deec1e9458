// One definition of every training_progress field, as the trainer computes it
// (means over the most recent completed episodes), shared by cards and charts.
import { formatDuration, formatEuro, formatNumber, formatPercent } from './format.js';

export const METRICS = [
  {
    key: 'episode',
    label: 'Episode',
    hint: 'Completed episodes out of the run\'s total.',
    format: (value, progress) => `${value} / ${progress.total_episodes}`,
  },
  {
    key: 'avg_reward',
    label: 'Average reward',
    hint: 'Total reward of an episode: real wealth, spending utility, buffer penalties. Higher is better.',
    format: (value) => formatNumber(value, 2),
  },
  {
    key: 'avg_duration',
    label: 'Months lasted',
    hint: 'Months the household lasted; the horizon if it never went broke. Higher is better.',
    format: (value) => formatNumber(value, 1),
  },
  {
    key: 'avg_cash',
    label: 'Liquid money',
    hint: 'Cash plus savings at the end of an episode.',
    format: formatEuro,
  },
  {
    key: 'avg_invested',
    label: 'Invested',
    hint: 'Market value of the portfolio at the end of an episode.',
    format: formatEuro,
  },
  {
    key: 'stability',
    label: 'Stability',
    hint: 'Share of months ending at or above the safety buffer. 100 % = never dipped under it.',
    format: (value) => formatPercent(value, 1),
  },
  {
    key: 'goal_adherence',
    label: 'Goal distance',
    hint: 'goal_adherence: distance between the Executor\'s split and the Strategist\'s target, 0 to 1. Lower is better.',
    format: (value) => formatNumber(value, 4),
  },
  {
    key: 'elapsed_time',
    label: 'Elapsed',
    hint: 'Wall-clock time since the run started.',
    format: formatDuration,
  },
];

// The charts drawn over episodes: each lists the progress fields it plots.
export const CHARTS = [
  { id: 'reward', title: 'Average reward', series: [{ key: 'avg_reward', label: 'avg_reward', color: '#2563eb' }] },
  {
    id: 'wealth',
    title: 'Liquid money vs invested (€)',
    series: [
      { key: 'avg_cash', label: 'avg_cash', color: '#059669' },
      { key: 'avg_invested', label: 'avg_invested', color: '#d97706' },
    ],
  },
  { id: 'stability', title: 'Stability (higher is better)', series: [{ key: 'stability', label: 'stability', color: '#7c3aed' }] },
  {
    id: 'goal',
    title: 'Goal distance (lower is better)',
    series: [{ key: 'goal_adherence', label: 'goal_adherence', color: '#dc2626' }],
  },
];
