// The household and model pickers of the Simulate view and the Advice panel.
import { api } from '../api.js';
import { formatDateTime, formatNumber } from '../format.js';
import { isFinished } from '../runs.js';

// Fills a household <select> with the scenarios, keeping the choice when it still exists.
export function fillHouseholdSelect(select, scenarios) {
  const chosen = select.value;
  select.replaceChildren(...scenarios.map((s) => new Option(s.name, s.name)));
  if (scenarios.some((s) => s.name === chosen)) select.value = chosen;
}

// The runs whose final model can be simulated: completed or stopped with episodes, newest first.
export function usableRuns(runs) {
  return runs
    .filter(isFinished)
    .sort((a, b) => (b.started_at ?? '').localeCompare(a.started_at ?? '') || b.run_id.localeCompare(a.run_id));
}

export function runLabel(run) {
  const started = run.started_at ? `, started ${formatDateTime(run.started_at)}` : '';
  const stopped = run.status === 'stopped' ? ', stopped' : '';
  const named = run.name ? `${run.name} (${run.scenario_name})` : run.scenario_name;
  return `${named}: ${formatNumber(run.episodes_completed)} episodes${started}${stopped}`
    + `${run.published ? ' (published)' : ''}`;
}

// A model <select>: the household's published model (value ''), then every usable run (its id),
// kept current: the list is read again when the picker gets the focus, the choice kept if it still exists.
export class ModelPicker {
  constructor(select, household) {
    this.select = select;
    this.household = household;
    this.runs = [];
    household.addEventListener('change', () => this.render());
    select.addEventListener('focus', () => this.refresh());
  }

  async refresh() {
    try {
      this.runs = usableRuns(await api.runs());
    } catch {
      // The published model stays selectable; the runs come back with the next refresh.
    }
    this.render();
  }

  render() {
    const chosen = this.select.value;
    const published = new Option(`Published model of ${this.household.value || 'the household'}`, '');
    const group = document.createElement('optgroup');
    group.label = 'Training runs, newest first';
    group.append(...this.runs.map((run) => new Option(runLabel(run), run.run_id)));
    this.select.replaceChildren(published, ...(this.runs.length ? [group] : []));
    this.select.value = this.runs.some((run) => run.run_id === chosen) ? chosen : '';
  }
}
