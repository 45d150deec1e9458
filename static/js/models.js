// Trained models: a table from GET /api/models (read again after every publish), and a plot of the history of
// the one picked (GET /api/models/<name>/history -> its "progress" rows and "evaluations").
import { api } from './api.js';
import { ChartGroup } from './charts.js';
import { $, button, cell } from './dom.js';
import { formatDateTime, formatNumber } from './format.js';
import { formatMetric } from './metrics.js';
import { onPublished } from './publish.js';

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
    onPublished(() => this.refresh());
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
    const plot = button('Plot', () => this.plot(model.scenario_name));
    plot.setAttribute('aria-label', `Plot ${model.scenario_name}`);
    const action = document.createElement('td');
    action.append(plot);
    // The action first: on a phone it is in sight before the table scrolls sideways.
    tr.append(
      action,
      cell(model.scenario_name),
      cell(formatNumber(model.episodes_completed)),
      cell(formatMetric('avg_reward', metrics.avg_reward)),
      cell(formatMetric('stability', metrics.stability)),
      cell(formatDateTime(model.finished_at)),
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
      this.charts.reset(history.progress, history.evaluations ?? []);
    } catch (error) {
      this.onError(error);
    }
  }
}
