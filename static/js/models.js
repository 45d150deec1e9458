// Trained models: a table from GET /api/models, and a plot of the history of
// the one picked (GET /api/models/<name>/history -> its "progress" rows).
import { api } from './api.js';
import { ChartGroup } from './charts.js';
import { formatNumber, formatPercent } from './format.js';

const $ = (id) => document.getElementById(id);

function cell(text, className = '') {
  const td = document.createElement('td');
  td.textContent = text;
  td.className = className;
  return td;
}

function emptyRow() {
  const tr = document.createElement('tr');
  const td = cell('No trained models yet.', 'muted');
  td.colSpan = 6;
  tr.append(td);
  return tr;
}

export class ModelBrowser {
  constructor(onError) {
    this.onError = onError;
    this.body = $('model-table').querySelector('tbody');
    this.chartBox = $('model-charts');
    this.charts = null;
    $('models-refresh').addEventListener('click', () => this.refresh());
  }

  async refresh() {
    try {
      this.show(await api.models());
    } catch (error) {
      this.onError(error);
    }
  }

  show(models) {
    this.body.replaceChildren(...(models.length ? models.map((model) => this.row(model)) : [emptyRow()]));
  }

  row(model) {
    const metrics = model.final_metrics;
    const tr = document.createElement('tr');
    tr.dataset.model = model.scenario_name;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Plot';
    button.addEventListener('click', () => this.plot(model.scenario_name));
    const action = document.createElement('td');
    action.append(button);
    tr.append(
      cell(model.scenario_name),
      cell(String(model.episodes_completed)),
      cell(formatNumber(metrics.avg_reward, 2)),
      cell(formatPercent(metrics.stability, 1), 'optional'),
      cell(new Date(model.finished_at).toLocaleString(), 'optional'),
      action,
    );
    return tr;
  }

  async plot(name) {
    try {
      const history = await api.history(name);
      const title = $('model-chart-title');
      title.textContent = `${name}: ${history.episodes_completed} of ${history.total_episodes} episodes${history.stopped ? ' (stopped)' : ''}`;
      title.hidden = false;
      this.chartBox.hidden = false;
      this.chartBox.dataset.model = name;
      this.charts ??= new ChartGroup(this.chartBox);
      this.charts.reset(history.progress);
    } catch (error) {
      this.onError(error);
    }
  }
}
