// The scenario picker: one radio card per scenario with its household figures.
import { formatEuro } from './format.js';

function figure(label, value) {
  const row = document.createElement('div');
  const term = document.createElement('dt');
  term.textContent = label;
  const amount = document.createElement('dd');
  amount.textContent = formatEuro(value);
  row.append(term, amount);
  return row;
}

function scenarioCard(scenario) {
  const label = document.createElement('label');
  label.className = 'scenario-card';
  label.dataset.scenario = scenario.name;
  const radio = document.createElement('input');
  radio.type = 'radio';
  radio.name = 'scenario_name';
  radio.value = scenario.name;
  const title = document.createElement('strong');
  title.textContent = scenario.name;
  const description = document.createElement('span');
  description.className = 'muted';
  description.textContent = scenario.description;
  const figures = document.createElement('dl');
  figures.append(
    figure('Income', scenario.monthly_income),
    figure('Expenses', scenario.monthly_expenses),
    figure('Margin', scenario.monthly_margin),
  );
  figures.lastChild.classList.toggle('negative', scenario.monthly_margin < 0);
  label.append(radio, title, description, figures);
  return label;
}

export function renderScenarios(fieldset, scenarios) {
  fieldset.querySelectorAll(':scope > :not(legend)').forEach((node) => node.remove());
  fieldset.append(...scenarios.map(scenarioCard));
  const first = fieldset.querySelector('input[type=radio]');
  if (first) first.checked = true;
}
