// The "Households" panel: a form for a new household (prefilled from a copy of any scenario) or for
// editing one of the user's own, with the server's field errors shown beside the fields.
import { api } from '../api.js';
import { showBanner, showError } from '../banner.js';
import { button, cell, clearFieldErrors, confirmAction, labelCells, showRefusal } from '../dom.js';
import { applyFieldSettings } from '../fieldsettings.js';
import { formatEuro, formatNumber } from '../format.js';
import { fillHouseholdSelect } from './select.js';

// [field, label, kind, ranged]: kind 'text', 'money' (nominal euros of month 0), 'int', 'rate' or 'profile';
// a ranged field's label ends with the server's bounds ("Months to simulate (lowest to highest)").
const MAIN_FIELDS = [
  ['name', 'Name (a-z, 0-9, _ and -)', 'text'],
  ['description', 'Description', 'text'],
  ['monthly_income', 'Net income a month (€)', 'money'],
  ['fixed_expenses', 'Fixed expenses a month (€)', 'money'],
  ['variable_expenses_mean', 'Variable expenses a month, mean (€)', 'money'],
  ['variable_expenses_std', 'Variable expenses, standard deviation (€)', 'money'],
  ['safety_buffer', 'Safety buffer (€)', 'money'],
  ['initial_cash', 'Cash at the start (€)', 'money'],
  ['months', 'Months to simulate', 'int', true],
  ['risk_tolerance', 'Risk tolerance', 'rate', true],
  ['profile', 'Investor profile', 'profile'],
];
const MORE_FIELDS = [
  ['inflation_annual', 'Inflation a year (0.02 = 2 %)', 'rate'],
  ['investment_return_annual', 'Investment return a year', 'rate'],
  ['investment_volatility_monthly', 'Investment volatility a month', 'rate'],
  ['savings_interest_annual', 'Savings interest a year', 'rate'],
  ['salary_raise_annual', 'Salary raise a year', 'rate'],
  ['shock_probability_monthly', 'Chance of an unexpected cost each month', 'rate'],
  ['shock_cost_multiplier', 'Unexpected cost, times the fixed expenses', 'rate'],
  ['income_loss_probability_monthly', 'Chance of losing income each month', 'rate'],
  ['income_loss_min_months', 'Income loss lasts at least (months)', 'int'],
  ['income_loss_max_months', 'Income loss lasts at most (months)', 'int'],
  ['income_loss_factor', 'Share of income kept during a loss', 'rate'],
  ['sell_cost', 'Cost of selling investments', 'rate'],
];
const RANGED = new Set([...MAIN_FIELDS, ...MORE_FIELDS].filter((field) => field[3]).map(([name]) => name));
const boundText = (value) => formatNumber(value, Number.isInteger(value) ? 0 : 2);

function fieldRow([name, label, kind]) {
  const wrapper = document.createElement('label');
  wrapper.className = 'household-field';
  wrapper.dataset.field = name;
  const caption = document.createElement('span');
  caption.className = 'household-caption';
  caption.textContent = label;
  caption.dataset.label = label;
  let input;
  if (kind === 'profile') {
    input = document.createElement('select'); // its options are the server's (applySettings)
  } else {
    input = document.createElement('input');
    input.type = kind === 'text' ? 'text' : 'number';
    if (kind !== 'text') input.step = 'any';
  }
  input.name = name;
  input.dataset.kind = kind;
  const error = document.createElement('span');
  error.className = 'field-error';
  error.id = `household-error-${name}`;
  input.setAttribute('aria-describedby', error.id);
  wrapper.append(caption, input, error);
  return wrapper;
}

export class HouseholdsPanel {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.form = root.querySelector('#household-form');
    this.source = root.querySelector('#household-source');
    this.table = root.querySelector('#household-list');
    this.list = this.table.tBodies[0];
    this.title = root.querySelector('#household-form-title');
    this.formError = root.querySelector('#household-form-error');
    this.editing = null;
    root.querySelector('#household-main').append(...MAIN_FIELDS.map(fieldRow));
    root.querySelector('#household-more').append(...MORE_FIELDS.map(fieldRow));
    root.querySelector('#household-copy').addEventListener('click', () => this.copy(this.source.value));
    root.querySelector('#household-cancel').addEventListener('click', () => this.copy(this.source.value));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
  }

  // The server's bounds of each field (GET /api/settings: `household`), and the profiles to choose from.
  applySettings(table) {
    applyFieldSettings(this.form, table);
    for (const name of RANGED) {
      const { min, max } = table[name] ?? {};
      const caption = this.form.querySelector(`[data-field="${name}"] .household-caption`);
      if (min !== undefined && max !== undefined) caption.textContent = `${caption.dataset.label} (${boundText(min)} to ${boundText(max)})`;
    }
  }

  render(scenarios) {
    fillHouseholdSelect(this.source, scenarios);
    this.list.replaceChildren(...scenarios.map((s) => this.row(s)));
    labelCells(this.table);
    if (!this.editing && !this.form.elements.name.value && scenarios.length) this.copy(this.source.value);
  }

  row(scenario) {
    const tr = document.createElement('tr');
    tr.dataset.household = scenario.name;
    const cells = [scenario.name, formatEuro(scenario.monthly_income), formatEuro(scenario.monthly_margin)];
    tr.append(...cells.map((text) => cell(text)));
    const actions = document.createElement('td');
    actions.className = 'row-actions';
    if (scenario.read_only) {
      actions.textContent = 'bundled (copy it to change it)';
      actions.className = 'muted';
    } else {
      actions.append(button('Edit', () => this.edit(scenario.name), { className: 'household-edit' }),
        button('Delete', () => this.remove(scenario.name), { className: 'household-delete' }));
    }
    tr.append(actions);
    return tr;
  }

  async fill(name, mode) {
    const detail = await api.scenario(name);
    this.clearErrors();
    for (const element of this.form.querySelectorAll('[name]')) {
      const value = detail[element.name];
      element.value = value === undefined || value === null ? '' : value;
    }
    this.editing = mode === 'edit' ? name : null;
    this.form.elements.name.readOnly = mode === 'edit';
    this.title.textContent = mode === 'edit' ? `Edit ${name}` : `New household (a copy of ${name})`;
    this.form.dataset.mode = mode;
    if (mode === 'copy') this.form.elements.name.value = `${name}_copy`;
  }

  copy(name) {
    return this.fill(name, 'copy').catch(showError);
  }

  edit(name) {
    return this.fill(name, 'edit').catch(showError);
  }

  body() {
    const body = {};
    for (const element of this.form.querySelectorAll('[name]')) {
      const raw = element.value.trim();
      if (raw === '' && element.name !== 'name') continue;
      body[element.name] = element.dataset.kind === 'text' || element.dataset.kind === 'profile' ? raw : Number(raw);
    }
    return body;
  }

  clearErrors() {
    this.formError.hidden = true;
    clearFieldErrors(this.form);
  }

  async save() {
    this.clearErrors();
    const body = this.body();
    try {
      const saved = this.editing ? await api.updateHousehold(this.editing, body) : await api.createHousehold(body);
      showBanner('success', `Household ${saved.name} saved.`);
      await this.onChange();
      await this.fill(saved.name, 'edit');
    } catch (error) {
      showRefusal(this.form, this.formError, error, showError);
    }
  }

  async remove(name) {
    if (!await confirmAction(`Delete the household ${name}? Its trained models, runs and saved simulations are kept.`)) return;
    try {
      await api.deleteHousehold(name);
      showBanner('info', `Household ${name} deleted. Its trained models and runs are kept.`);
      if (this.editing === name) this.editing = null;
      await this.onChange();
      await this.copy(this.source.value);
    } catch (error) {
      showError(error);
    }
  }
}
