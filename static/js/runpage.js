// A run's page (#/runs/{run_id}): its status, timings, settings and parent; its name, notes and tags
// (PATCH /api/runs/{id}); its training charts, with the held-out evaluations and, as dashed levels on the reward
// chart, the held-out scores of the run and of the tuned rules on the same households; its PPO diagnostics; its
// publishing record and simulations; Publish, Resume, Download, CSV and Delete.
import { api } from './api.js';
import { ChartGroup } from './charts.js';
import { DiagnosticsCharts } from './diagnostics.js';
import { $, button, cell, link } from './dom.js';
import { formatDateTime, formatEuro, formatNumber } from './format.js';
import { comparison, heldoutText, ruleComparisons } from './heldout.js';
import { formatMetric } from './metrics.js';
import { onPublished, publishByHand } from './publish.js';
import { RUNS_HREF, navigate, runHref } from './router.js';
import { deleteAsking, heldoutVerdicts } from './runs.js';
import { configRows, describeSettings, durationText, isActive, isFinished, runName, settingValue } from './runmeta.js';

const HISTORY_POINTS = 1200;
const RUN_COLOR = '#111827';
const PUBLICATION_REASONS = {
  finished: 'its training finished', stopped: 'its training was stopped', resumed: 'its resumed training ended',
  manual: 'by hand', undo: 'by hand, undoing a publish', deleted: 'the published run was deleted',
};
// A link to a run's page, its id as text until its name is known (a run deleted since keeps its id).
function runLink(runId) {
  const a = link(runId, runHref(runId));
  api.run(runId).then((run) => { a.textContent = runName(run); }).catch(() => {});
  return a;
}

function fact(term, ...content) {
  const row = document.createElement('div');
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.append(...content);
  row.append(dt, dd);
  return row;
}

export class RunPage {
  // onResume(run): Resume pressed; onChanged(): the run was renamed, tagged or deleted (lists read again).
  constructor({ onResume, onError, onChanged }) {
    this.root = $('run-page');
    this.onResume = onResume;
    this.onError = onError;
    this.onChanged = onChanged;
    this.runId = null;
    this.run = null;
    this.charts = null;
    this.looks = null; // the served policies' labels and colours
    this.diagnostics = new DiagnosticsCharts($('run-diagnostics-charts'), $('run-diagnostics-hint'));
    this.labels = $('run-labels');
    this.labels.addEventListener('submit', (event) => {
      event.preventDefault();
      this.saveLabels();
    });
    onPublished(({ scenario_name: scenario, deleted }) => {
      if (this.root.hidden || this.run?.scenario_name !== scenario || deleted === this.runId) return;
      this.show(this.runId, { keepCharts: true });
    });
  }

  hide() {
    this.root.hidden = true;
  }

  // Shows the run (its page's address changed, or it changed); keepCharts: only its summary changed.
  async show(runId, { keepCharts = false } = {}) {
    const fresh = runId !== this.runId || !keepCharts;
    this.runId = runId;
    this.root.hidden = false;
    this.root.dataset.run = runId;
    if (fresh) {
      this.root.dataset.state = 'loading';
      $('run-page-title').textContent = runId;
    }
    let run;
    try {
      run = await api.run(runId);
    } catch (error) {
      if (this.runId !== runId) return;
      this.root.dataset.state = 'missing';
      $('run-page-title').textContent = error.status === 404 ? 'No such run' : 'This run could not be read';
      $('run-page-status').textContent = error.status === 404
        ? `There is no run ${runId}: it may have been deleted.` : (error.describe?.() ?? error.message);
      this.clear();
      return;
    }
    if (this.runId !== runId) return; // another run was asked for meanwhile
    this.run = run;
    this.summary(run);
    if (fresh) this.fillLabels(run);
    await Promise.all(fresh ? [this.history(run), this.publications(run), this.simulations(run)] : [this.publications(run)]);
    if (this.runId === runId) this.root.dataset.state = 'shown';
  }

  clear() {
    for (const id of ['run-page-actions', 'run-page-facts', 'run-page-heldout', 'run-publications', 'run-config']) $(id).replaceChildren();
    this.charts?.destroy();
    this.charts = null;
    this.diagnostics.reset(null);
  }

  summary(run) {
    const name = runName(run);
    $('run-page-title').textContent = name;
    document.title = `${name} · HRL Finance`;
    const status = [`${run.status[0].toUpperCase()}${run.status.slice(1)}`];
    if (run.published) status.push(`the published model of ${run.scenario_name}`);
    if (run.error) status.push(run.error);
    $('run-page-status').textContent = `${status.join(' · ')}.`;
    $('run-page-actions').replaceChildren(...this.actions(run));
    $('run-page-facts').replaceChildren(...this.facts(run));
    const heldout = $('run-page-heldout');
    const reward = run.held_out?.avg_reward;
    const verdicts = heldoutVerdicts(run.held_out);
    heldout.textContent = reward === undefined ? ''
      : `Held-out reward ${formatMetric('avg_reward', reward)} (mean over ${formatNumber(run.held_out.households ?? 0)} households the model never trained on)`
        + `${verdicts.length ? `; in reward, the model is ${verdicts.join(' and ')}` : ''}.${heldoutText(run.held_out)}`;
    heldout.hidden = !heldout.textContent;
    $('run-config').replaceChildren(...configRows(run.config).map(([key, value]) => {
      const tr = document.createElement('tr');
      tr.append(cell(key), cell(settingValue(value)));
      return tr;
    }));
  }

  facts(run) {
    const facts = [
      fact('Run id', run.run_id),
      fact('Scenario', run.scenario_name),
      fact('Started', run.started_at ? formatDateTime(run.started_at) : '–'),
      fact('Finished', run.finished_at ? formatDateTime(run.finished_at) : '–'),
      fact('Duration', durationText(run)),
      fact('Episodes', `${formatNumber(run.episodes_completed ?? 0)} of ${formatNumber(run.total_episodes ?? 0)}`),
      fact('Settings', describeSettings({ ...run.settings, seed: run.seed })),
      fact('Final training reward', formatMetric('avg_reward', run.final_metrics?.avg_reward)),
    ];
    const publish = run.config?.config?.publish;
    if (publish) facts.push(fact('Publish', { on_finish: 'when it ends', if_better: 'if it beats the published model', manual: 'by hand only' }[publish] ?? publish));
    if (run.parent) {
      const parent = runLink(run.parent);
      parent.dataset.action = 'parent';
      facts.push(fact('Resumed from', parent, ` at episode ${formatNumber(run.episode_offset ?? 0)}`));
    }
    return facts;
  }

  actions(run) {
    const finished = isFinished(run);
    const items = [];
    if (finished && !run.published) items.push(button('Publish', () => publishByHand(run), { className: 'primary', data: { action: 'publish' } }));
    if (finished) items.push(button('Resume', () => this.onResume(run), { data: { action: 'resume' } }));
    if (finished) {
      const download = link('Download', api.runArchiveUrl(run.run_id));
      download.download = `${run.run_id}.zip`;
      download.dataset.action = 'download';
      download.className = 'button-link';
      items.push(download);
    }
    if (run.episodes_completed && !isActive(run)) {
      const csv = link('History (CSV)', api.runHistoryCsvUrl(run.run_id));
      csv.download = `${run.run_id}-history.csv`;
      csv.dataset.action = 'csv';
      csv.className = 'button-link';
      items.push(csv);
    }
    if (!isActive(run)) items.push(button('Delete', () => this.remove(run), { className: 'danger', data: { action: 'delete' } }));
    return items;
  }

  fillLabels(run) {
    const fields = this.labels.elements;
    fields.name.value = run.name ?? '';
    fields.notes.value = run.notes ?? '';
    fields.tags.value = (run.tags ?? []).join(', ');
    $('run-labels-error').hidden = true;
  }

  async saveLabels() {
    const fields = this.labels.elements;
    const changes = {
      name: fields.name.value.trim(),
      notes: fields.notes.value.trim(),
      tags: fields.tags.value.split(',').map((tag) => tag.trim()).filter(Boolean),
    };
    const problem = $('run-labels-error');
    try {
      const saved = await api.updateRun(this.runId, changes);
      const run = { ...this.run, ...(saved.data ?? saved) };
      this.run = run;
      this.summary(run);
      this.fillLabels(run);
      $('run-labels-status').textContent = 'Saved.';
      this.onChanged();
    } catch (error) {
      problem.textContent = error.describe?.() ?? error.message;
      problem.hidden = false;
      $('run-labels-status').textContent = '';
    }
  }

  async remove(run) {
    try {
      if (!(await deleteAsking(run))) return;
      this.onChanged();
      navigate(RUNS_HREF);
    } catch (error) {
      this.onError(error);
    }
  }

  // The dashed levels of the reward chart: the run's own held-out score, and each tuned rule's on the same households.
  async references(run) {
    const reward = run.held_out?.avg_reward;
    if (reward === undefined || reward === null) return [];
    this.looks ??= await api.policies().catch(() => ({ policies: [], other_color: RUN_COLOR }));
    const look = (name) => this.looks.policies.find((policy) => policy.name === name);
    const levels = [{ label: 'This run, held-out', value: reward, color: look('hrl')?.color ?? RUN_COLOR }];
    for (const { rule, short } of ruleComparisons(run.held_out, 'reward')) {
      const paired = comparison(run.held_out.rules[rule].paired.reward, 'reward');
      // Paired on the same households: the rule's mean is the run's mean minus the mean difference.
      levels.push({ label: `${look(rule)?.label ?? short}, held-out`, value: reward - paired.mean, color: look(rule)?.color ?? this.looks.other_color });
    }
    return levels;
  }

  async history(run) {
    this.charts?.destroy();
    this.charts = null;
    const box = $('run-page-charts');
    const hint = $('run-page-charts-hint');
    this.diagnostics.reset(null);
    if (isActive(run) || !run.episodes_completed) {
      hint.replaceChildren(isActive(run)
        ? Object.assign(document.createElement('span'), { textContent: 'This run is training: its charts are on the dashboard until it ends. ' })
        : 'This run has no episodes to chart.');
      if (isActive(run)) hint.append(link('Follow it live', '#/'));
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    try {
      const [history, references] = await Promise.all([api.runHistory(run.run_id, HISTORY_POINTS), this.references(run)]);
      if (this.runId !== run.run_id) return;
      this.charts = new ChartGroup(box, { references: { reward: references } });
      this.charts.reset(history.progress, history.evaluations ?? []);
      this.diagnostics.reset(history.diagnostics ?? null);
    } catch (error) {
      this.onError(error);
    }
  }

  async publications(run) {
    const list = $('run-publications');
    let records = [];
    try {
      records = (await api.publications(run.scenario_name)).publications ?? [];
    } catch {
      records = []; // a server that keeps no record of its publishing
    }
    if (this.runId !== run.run_id) return;
    const mine = records.filter((record) => record.run_id === run.run_id || record.replaced_run_id === run.run_id);
    list.replaceChildren(...mine.map((record) => {
      const li = document.createElement('li');
      const when = formatDateTime(record.published_at);
      if (record.run_id === run.run_id) {
        li.append(`${when}: published, ${PUBLICATION_REASONS[record.reason] ?? record.reason}`);
        if (record.replaced_run_id) li.append(', in place of ', runLink(record.replaced_run_id));
      } else {
        li.append(`${when}: replaced by `, runLink(record.run_id), ` (${PUBLICATION_REASONS[record.reason] ?? record.reason})`);
      }
      li.append('.');
      return li;
    }));
    $('run-publications-empty').hidden = mine.length > 0;
  }

  async simulations(run) {
    const body = $('run-simulations').querySelector('tbody');
    let simulations = [];
    try {
      simulations = (await api.simulations()).filter((s) => s.run_id === run.run_id);
    } catch (error) {
      this.onError(error);
    }
    if (this.runId !== run.run_id) return;
    body.replaceChildren(...simulations.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.simulation = s.id;
      const report = link('Report', api.simulationReportUrl(s.id));
      report.target = '_blank';
      report.setAttribute('aria-label', `Report of the simulation of ${formatDateTime(s.created_at)}`);
      const open = cell('');
      open.append(report);
      tr.append(cell(formatDateTime(s.created_at)), cell(s.scenario_name), cell(formatNumber(s.households)),
        cell(s.totals ? formatEuro(s.totals.median_real_net_worth) : '–'), open);
      return tr;
    }));
    $('run-simulations-empty').hidden = simulations.length > 0;
    $('run-simulations').hidden = simulations.length === 0;
  }
}
