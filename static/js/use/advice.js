// The "Advice" panel: this month's split for the balances a person types, in nominal euros.
import { api } from '../api.js';
import { showError } from '../banner.js';
import { cell, clearFieldErrors, showRefusal } from '../dom.js';
import { formatEuro, formatShare } from '../format.js';
import { ModelPicker } from './select.js';

const PARTS = [['invest', 'Invest'], ['save', 'Save'], ['spend', 'Spend']];

export class AdvicePanel {
  constructor(root) {
    this.form = root.querySelector('#advice-form');
    this.household = root.querySelector('#advice-household');
    this.models = new ModelPicker(root.querySelector('#advice-model'), this.household, root.querySelector('#advice-note'));
    this.answer = root.querySelector('#advice-answer');
    this.formError = root.querySelector('#advice-form-error');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.ask();
    });
  }

  render(scenarios) {
    return this.models.refresh(scenarios);
  }

  async ask() {
    const fields = new FormData(this.form);
    const body = { scenario_name: fields.get('scenario_name') };
    for (const name of ['month', 'savings', 'invested', 'cash', 'income_loss_months_left']) {
      if (fields.get(name) !== '') body[name] = Number(fields.get(name));
    }
    if (fields.get('run_id')) body.run_id = fields.get('run_id');
    clearFieldErrors(this.form);
    this.formError.hidden = true;
    try {
      this.show(await api.advice(body));
    } catch (error) {
      this.answer.hidden = true;
      showRefusal(this.form, this.formError, error, showError);
    }
  }


  show(advice) {
    this.answer.querySelector('#advice-sentence').textContent = advice.sentence;
    this.answer.querySelector('#advice-table tbody').replaceChildren(...PARTS.map(([key, label]) => {
      const tr = document.createElement('tr');
      tr.dataset.part = key;
      tr.append(...[label, formatEuro(advice.amounts[key]), formatShare(advice.split[key]), formatShare(advice.goal[key])].map((text) => cell(text)));
      return tr;
    }));
    this.answer.querySelector('#advice-goal').textContent = `Money available this month: ${formatEuro(advice.available)} `
      + `(income ${formatEuro(advice.income)} minus expected expenses ${formatEuro(advice.expenses)}, nominal euros). `
      + `The Strategist's goal: keep ${formatEuro(advice.goal.buffer)} liquid.`;
    this.answer.hidden = false;
  }
}
