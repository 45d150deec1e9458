// The household and model pickers of the Simulate view and the Advice panel.
import { api } from '../api.js';
import { formatDateTime, formatNumber } from '../format.js';
import { isFinished } from '../runs.js';

// Fills a household <select> with the scenarios. It keeps the household shown when the person picked it or
// when it has a published model; otherwise it shows the first of `preferred` (households with a published
// model, newest first), so that the pickers start on a household that can be simulated.
export function fillHouseholdSelect(select, scenarios, preferred = []) {
  const shown = select.value;
  select.replaceChildren(...scenarios.map((s) => new Option(s.name, s.name)));
  const exists = (name) => scenarios.some((s) => s.name === name);
  const keep = exists(shown) && (select.dataset.chosen === 'true' || !preferred.length || preferred.includes(shown));
  if (keep) select.value = shown;
  else if (preferred.some(exists)) select.value = preferred.find(exists);
}

// The runs whose final model can be simulated: completed or stopped with episodes, newest first.
export function usableRuns(runs) {
  return runs
    .filter(isFinished)
    .sort((a, b) => (b.started_at ?? '').localeCompare(a.started_at ?? '') || b.run_id.localeCompare(a.run_id));
}

// The households with a published model, the newest publication first (GET /api/models).
export function publishedHouseholds(models) {
  return [...models]
    .sort((a, b) => (b.finished_at ?? '').localeCompare(a.finished_at ?? ''))
    .map((model) => model.scenario_name);
}

export function runLabel(run) {
  const started = run.started_at ? `, started ${formatDateTime(run.started_at)}` : '';
  const stopped = run.status === 'stopped' ? ', stopped' : '';
  const name = run.name ? `${run.name} (${run.scenario_name})` : run.scenario_name;
  return `${name}: ${formatNumber(run.episodes_completed)} episodes${started}${stopped}`
    + `${run.published ? ' (published)' : ''}`;
}

// A household <select> and its model <select>: the household's published model (value ''), then every usable
// run (its id), kept current: read again when the model picker gets the focus and after every publish, the
// choices kept while they still exist. `note` (optional) says when the household has no published model.
export class ModelPicker {
  constructor(select, household, note = null) {
    this.select = select;
    this.household = household;
    this.note = note;
    this.runs = [];
    this.published = [];
    this.scenarios = [];
    household.addEventListener('change', () => {
      household.dataset.chosen = 'true';
      this.render();
    });
    select.addEventListener('focus', () => this.refresh());
  }

  // scenarios: the households to offer (the last ones given when omitted).
  async refresh(scenarios = this.scenarios) {
    this.scenarios = scenarios;
    const [runs, models] = await Promise.allSettled([api.runs(), api.models()]);
    // A failed read keeps the last lists; they come back with the next refresh.
    if (runs.status === 'fulfilled') this.runs = usableRuns(runs.value);
    if (models.status === 'fulfilled') this.published = publishedHouseholds(models.value);
    if (scenarios.length) fillHouseholdSelect(this.household, scenarios, this.published);
    this.render();
  }

  render() {
    const chosen = this.select.value;
    const household = this.household.value;
    const hasModel = this.published.includes(household);
    const published = new Option(hasModel ? `Published model of ${household}` : `No published model of ${household || 'this household'} yet`, '');
    published.disabled = !hasModel;
    const group = document.createElement('optgroup');
    group.label = 'Training runs, newest first';
    group.append(...this.runs.map((run) => new Option(runLabel(run), run.run_id)));
    this.select.replaceChildren(published, ...(this.runs.length ? [group] : []));
    const ownRun = this.runs.find((run) => run.scenario_name === household);
    if (this.runs.some((run) => run.run_id === chosen)) this.select.value = chosen;
    else this.select.value = hasModel || !ownRun ? '' : ownRun.run_id;
    if (this.note) {
      this.note.hidden = hasModel;
      this.note.textContent = hasModel ? '' : `${household} has no published model yet: train it under New run, or pick a training run.`;
    }
  }
}
