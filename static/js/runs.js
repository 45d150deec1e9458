// Runs: a table from GET /api/runs with Publish, Resume, Download and Delete (asks first), and
// 1-5 selected runs' curves overlaid on the same charts, with each run's settings beside them.
import { api } from './api.js';
import { $, button, cell } from './dom.js';
import { formatDateTime, formatDuration } from './format.js';
import { CHARTS, METRIC, formatMetric } from './metrics.js';
import { chartFigure, fitPlot, formattedAxis, formattedValue, joinTables } from './plot.js';

const MAX_COMPARED = 5;
const HISTORY_POINTS = 600;
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed'];
// One chart per metric of the CHARTS: a chart of two metrics gives two, each titled with its metric.
const OVERLAID = CHARTS.flatMap((chart) => chart.series.map(({ key }) => ({
  metric: METRIC[key], title: chart.series.length > 1 ? `${chart.title}: ${METRIC[key].label}` : chart.title,
})));

// A run whose final model can be used (published, resumed, simulated): completed or stopped with episodes.
export function isFinished(run) {
  return ['completed', 'stopped'].includes(run.status) && run.episodes_completed > 0;
}

function duration(run) {
  if (!run.started_at || !run.finished_at) return '–';
  return formatDuration((new Date(run.finished_at) - new Date(run.started_at)) / 1000);
}

function settingsText(run) {
  const s = run.settings || {};
  const parts = [`seed ${run.seed ?? '–'}`, `${s.num_episodes ?? '?'} episodes`, `save every ${s.save_interval ?? '?'}`,
    `eval ${s.eval_episodes ?? '?'}`, `keep ${s.keep_checkpoints ?? '?'} checkpoints`];
  if (run.parent) parts.push(`resumed from ${run.parent}`);
  return `${run.run_id}: ${parts.join(', ')}`;
}

// One metric of several runs, a line per run (histories: GET /api/runs/<id>/history answers).
function overlaidChart(parent, { metric, title }, ids, histories) {
  const { figure, plotArea } = chartFigure(parent, metric.key, title);
  figure.dataset.series = String(ids.length);
  const tables = histories.map((h) => [h.progress.map((p) => p.episode), h.progress.map((p) => p[metric.key])]);
  const value = formattedValue(metric.kind, metric.digits);
  const plot = fitPlot({
    scales: { x: { time: false } },
    axes: [formattedAxis('number', { label: 'Episode', size: 44 }), formattedAxis(metric.kind)],
    series: [{ label: 'Episode', value: formattedValue('number', 0) },
      ...ids.map((id, i) => ({ label: id, stroke: COLORS[i], width: 2, spanGaps: true, points: { show: false }, value }))],
    legend: { live: false },
  }, joinTables(tables), plotArea);
  figure.chart = { plot }; // for tests and tools, as the episode charts' figures
  return plot;
}

export class RunsTable {
  // onStarted(data): a resumed run was accepted (the start answer's data).
  constructor({ onError, onStarted, startSettings }) {
    this.onError = onError;
    this.onStarted = onStarted;
    this.startSettings = startSettings;
    this.body = $('runs-table').querySelector('tbody');
    this.selected = new Set();
    this.byId = new Map();
    this.plots = []; // the compared runs' charts
    $('runs-refresh').addEventListener('click', () => this.refresh());
    $('runs-compare').addEventListener('click', () => this.compare());
  }

  async refresh() {
    try {
      const runs = await api.runs();
      this.byId = new Map(runs.map((run) => [run.run_id, run]));
      for (const id of this.selected) if (!this.byId.has(id)) this.selected.delete(id);
      this.body.replaceChildren(...(runs.length ? runs.map((run) => this.row(run)) : [this.emptyRow()]));
      this.updateCompareButton();
    } catch (error) {
      this.onError(error);
    }
  }

  emptyRow() {
    const tr = document.createElement('tr');
    const td = cell('No runs yet.', 'muted');
    td.colSpan = 11;
    tr.append(td);
    return tr;
  }

  row(run) {
    const tr = document.createElement('tr');
    tr.dataset.run = run.run_id;
    tr.dataset.status = run.status;
    tr.dataset.published = String(run.published);
    const pick = document.createElement('input');
    pick.type = 'checkbox';
    pick.checked = this.selected.has(run.run_id);
    pick.setAttribute('aria-label', `Compare ${run.run_id}`);
    pick.disabled = !run.episodes_completed;
    pick.addEventListener('change', () => {
      if (pick.checked && this.selected.size >= MAX_COMPARED) {
        pick.checked = false;
        this.onError(new Error(`Compare at most ${MAX_COMPARED} runs at a time.`));
        return;
      }
      if (pick.checked) this.selected.add(run.run_id); else this.selected.delete(run.run_id);
      this.updateCompareButton();
    });
    const finished = isFinished(run);
    const actions = document.createElement('td');
    actions.className = 'run-actions';
    if (finished && !run.published) actions.append(button('Publish', () => this.publish(run), { data: { action: 'publish' } }));
    if (finished) actions.append(button('Resume', () => this.resume(run), { data: { action: 'resume' } }));
    if (finished) {
      const link = document.createElement('a');
      link.href = api.runArchiveUrl(run.run_id);
      link.download = `${run.run_id}.zip`;
      link.textContent = 'Download';
      link.dataset.action = 'download';
      actions.append(link);
    }
    if (!['running', 'queued'].includes(run.status)) actions.append(button('Delete', () => this.remove(run), { data: { action: 'delete' } }));
    const choose = document.createElement('td');
    choose.append(pick);
    tr.append(
      choose,
      cell(run.scenario_name),
      cell(run.status),
      cell(String(run.episodes_completed ?? '–')),
      cell(String(run.seed ?? '–'), 'optional'),
      cell(run.started_at ? formatDateTime(run.started_at) : '–', 'optional'),
      cell(duration(run), 'optional'),
      cell(formatMetric('avg_reward', run.final_metrics?.avg_reward)),
      cell(formatMetric('avg_reward', run.held_out?.avg_reward)),
      cell(run.published ? '★ published' : '', 'published-mark'),
      actions,
    );
    tr.title = settingsText(run);
    return tr;
  }

  updateCompareButton() {
    const n = this.selected.size;
    $('runs-compare').disabled = n < 1;
    $('runs-compare').textContent = n > 1 ? `Compare ${n} runs` : 'Plot run';
  }

  async publish(run) {
    try {
      await api.publishRun(run.run_id);
      await this.refresh();
    } catch (error) {
      this.onError(error);
    }
  }

  async resume(run) {
    try {
      const body = { ...this.startSettings(), scenario_name: run.scenario_name, resume_from: run.run_id };
      this.onStarted((await api.start(body)).data);
      await this.refresh();
    } catch (error) {
      this.onError(error);
    }
  }

  async remove(run) {
    const note = run.published ? ' It is the published model: the newest other finished run of the scenario, if any, replaces it.' : '';
    if (!window.confirm(`Delete run ${run.run_id}? Its agents, history and checkpoints are removed.${note}`)) return;
    try {
      await api.deleteRun(run.run_id);
      this.selected.delete(run.run_id);
      await this.refresh();
    } catch (error) {
      this.onError(error);
    }
  }

  // Overlays the selected runs' curves: one chart per metric, one line per run.
  async compare() {
    try {
      const ids = [...this.selected];
      const histories = await Promise.all(ids.map((id) => api.runHistory(id, HISTORY_POINTS)));
      const box = $('runs-charts');
      this.plots.forEach((plot) => plot.destroy());
      box.replaceChildren();
      box.hidden = false;
      box.dataset.runs = ids.join(' ');
      this.plots = OVERLAID.map((overlaid) => overlaidChart(box, overlaid, ids, histories));
      const settings = $('runs-settings');
      settings.replaceChildren(...ids.map((id, i) => {
        const li = document.createElement('li');
        li.dataset.run = id;
        li.style.borderLeftColor = COLORS[i];
        li.textContent = settingsText(this.byId.get(id) || { run_id: id, ...histories[i] });
        return li;
      }));
      settings.hidden = false;
    } catch (error) {
      this.onError(error);
    }
  }
}
