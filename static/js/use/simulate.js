// The "Simulate" view: run a model on a household, then a fan chart of real net worth (today's
// euros), liquid money against the safety buffer (nominal euros) and a table comparing the policies.
import { showBanner } from '../banner.js';
import { formatMoney, formatShare } from './money.js';
import { useApi } from './requests.js';
import { ModelPicker, fillHouseholdSelect } from './select.js';
import { lineChart } from './svgchart.js';

// Every colour has at least 3:1 contrast on white (WCAG 1.4.11); the same ones as the printable report.
const COLORS = {
  hrl: '#1f5fa8',
  best_fixed: '#c0392b',
  buffer_first: '#27864a',
  target_liquidity_2: '#a65e00',
  target_liquidity_4: '#5f6b00',
  flat_ppo: '#007c89',
  rule_of_thumb: '#8e44ad',
  random: '#7f7f7f',
};
export const LABELS = {
  hrl: 'Trained model',
  best_fixed: 'Best fixed split',
  buffer_first: 'Buffer first',
  target_liquidity_2: 'Target liquidity (2 numbers)',
  target_liquidity_4: 'Target liquidity (4 numbers)',
  flat_ppo: 'Flat PPO',
  rule_of_thumb: 'Rule of thumb',
  random: 'Random',
};

// What a baseline was tuned or trained to, in words: its split, its rule's numbers, the flat PPO's budget.
export function tunedText(policy) {
  if (policy.tuned) {
    const { k, spend, spend_below: below, spend_above: above, close } = policy.tuned;
    if (spend !== undefined) return `savings at ${k} buffers, spend ${formatShare(spend)}`;
    return `savings at ${k} buffers, spend ${formatShare(below)} below and ${formatShare(above)} above, `
      + `close ${formatShare(close)} of the gap`;
  }
  if (policy.trained) return `${policy.trained.episodes} episodes of ${policy.trained.scenario_name}, seed ${policy.trained.seed}`;
  if (policy.split) return `invest / save / spend ${policy.split.map((share) => formatShare(share)).join(' / ')}`;
  return '';
}

function policyCell(name, policy) {
  const td = cell(LABELS[name] || name);
  const detail = tunedText(policy);
  if (detail) td.append(Object.assign(document.createElement('small'), { className: 'policy-tuned muted', textContent: detail }));
  return td;
}

function cell(text) {
  return Object.assign(document.createElement('td'), { textContent: text });
}

function difference(paired) {
  if (!paired) return '–';
  const { diff, stderr } = paired.real_net_worth;
  return `${diff >= 0 ? '+' : ''}${formatMoney(diff)} ± ${formatMoney(stderr)}`;
}

export class SimulateView {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('#simulate-form');
    this.household = root.querySelector('#simulate-household');
    this.models = new ModelPicker(root.querySelector('#simulate-model'), this.household);
    this.result = root.querySelector('#simulate-result');
    this.saved = root.querySelector('#simulation-list tbody');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.refreshSaved();
  }

  async refreshSaved() {
    try {
      this.saved.replaceChildren(...(await useApi.simulations()).map((s) => this.savedRow(s)));
    } catch (error) {
      showBanner('error', error.message);
    }
  }

  savedRow(summary) {
    const tr = document.createElement('tr');
    tr.dataset.simulation = summary.id;
    tr.append(cell(summary.created_at.replace('T', ' ').slice(0, 16)), cell(summary.scenario_name),
      cell(summary.run_id ? `run ${summary.run_id}` : 'published'), cell(String(summary.households)),
      cell(summary.totals ? formatMoney(summary.totals.median_real_net_worth) : '–'));
    const actions = document.createElement('td');
    const open = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Open', className: 'simulation-open' });
    const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Delete', className: 'simulation-delete' });
    open.addEventListener('click', async () => {
      try {
        this.show(await useApi.simulation(summary.id));
      } catch (error) {
        showBanner('error', error.message);
      }
    });
    remove.addEventListener('click', async () => {
      try {
        await useApi.deleteSimulation(summary.id);
        if (this.result.dataset.simulation === summary.id) this.result.hidden = true;
        await this.refreshSaved();
      } catch (error) {
        showBanner('error', error.message);
      }
    });
    actions.append(open, remove);
    tr.append(actions);
    return tr;
  }

  render(scenarios) {
    fillHouseholdSelect(this.household, scenarios);
    return this.models.refresh();
  }

  async run() {
    const fields = new FormData(this.form);
    const body = { scenario_name: fields.get('scenario_name'), households: Number(fields.get('households')) };
    if (fields.get('run_id')) body.run_id = fields.get('run_id');
    if (fields.get('seed') !== '') body.seed = Number(fields.get('seed'));
    if (fields.get('flat_ppo')) body.flat_ppo = true;
    const button = this.form.querySelector('button[type=submit]');
    button.disabled = true;
    this.root.dataset.state = 'running';
    try {
      this.show(await useApi.simulate(body));
      this.root.dataset.state = 'done';
      await this.refreshSaved();
    } catch (error) {
      this.root.dataset.state = 'error';
      showBanner('error', error.describe ? error.describe() : error.message);
    } finally {
      button.disabled = false;
    }
  }

  show(simulation) {
    const { policies, months } = simulation;
    const worth = policies.hrl.series.real_net_worth;
    const fan = lineChart({
      title: "Real net worth, today's euros",
      months,
      bands: [
        { name: 'p5-p95', low: worth.p5, high: worth.p95, color: COLORS.hrl, opacity: 0.15 },
        { name: 'p25-p75', low: worth.p25, high: worth.p75, color: COLORS.hrl, opacity: 0.3 },
      ],
      lines: Object.entries(policies).map(([name, policy]) => ({
        name, values: policy.series.real_net_worth.p50, color: COLORS[name], width: name === 'hrl' ? 2.5 : 1.5, dash: name === 'hrl' ? '' : '5 3',
      })),
    });
    const liquid = policies.hrl.series.liquid;
    const buffer = new Array(months).fill(simulation.scenario.safety_buffer);
    const liquidChart = lineChart({
      title: 'Liquid money, nominal euros',
      months,
      bands: [{ name: 'p5-p95', low: liquid.p5, high: liquid.p95, color: COLORS.hrl, opacity: 0.15 }],
      lines: [{ name: 'hrl', values: liquid.p50, color: COLORS.hrl, width: 2.5 },
        { name: 'safety_buffer', values: buffer, color: '#c0392b', dash: '6 3' }],
    });
    this.result.querySelector('#simulate-fan').replaceChildren(fan);
    this.result.querySelector('#simulate-liquid').replaceChildren(liquidChart);
    this.result.querySelector('#simulate-legend').replaceChildren(...Object.keys(policies).map((name) => {
      const item = document.createElement('li');
      const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
      swatch.style.background = COLORS[name];
      item.append(swatch, LABELS[name] || name);
      return item;
    }));
    this.result.querySelector('#simulate-table tbody').replaceChildren(...Object.entries(policies).map(([name, policy]) => {
      const t = policy.totals;
      const tr = document.createElement('tr');
      tr.dataset.policy = name;
      tr.append(policyCell(name, policy), cell(formatMoney(t.median_real_net_worth)), cell(formatMoney(t.p5_real_net_worth)),
        cell(formatMoney(t.median_total_spending)), cell(formatShare(t.share_broke)), cell(formatShare(t.share_months_under_buffer)),
        cell(difference(simulation.paired[name])));
      return tr;
    }));
    this.result.querySelector('#simulate-summary').textContent = `${simulation.scenario_name}: ${simulation.households} households, `
      + `${months} months, seed ${simulation.seed}. ${policies.rule_of_thumb.description}.`;
    const report = this.result.querySelector('#simulate-report');
    report.href = `/api/simulations/${encodeURIComponent(simulation.id)}/report`;
    this.result.dataset.simulation = simulation.id;
    this.result.hidden = false;
  }
}
