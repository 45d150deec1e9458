// The "Simulate" view: run a model on a household, then a fan chart of real net worth (today's
// euros), liquid money against the safety buffer (nominal euros) and a table comparing the policies.
// The policies' labels and colours are the server's (GET /api/policies), as in the printable report.
import { api } from '../api.js';
import { showError } from '../banner.js';
import { button, cell } from '../dom.js';
import { formatDateTime, formatEuro, formatShare } from '../format.js';
import { chartFigure } from '../plot.js';
import { fanChart } from './fanchart.js';
import { ModelPicker, fillHouseholdSelect } from './select.js';

const NET_WORTH_TITLE = "Real net worth over the years, today's euros (trained model p5–p95, p25–p75, median; "
  + "baselines' medians dashed)";
const LIQUID_TITLE = 'Liquid money, nominal euros (trained model p5–p95 and median) against the safety buffer (dashed)';

// The served table as lookups: look(name) -> {label, color}; buffer: the safety buffer's line.
function policyLooks({ policies, other_color: otherColor, safety_buffer: buffer }) {
  const byName = new Map(policies.map(({ name, label, color }) => [name, { label, color }]));
  return { look: (name) => byName.get(name) ?? { label: name, color: otherColor }, buffer };
}

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

function policyCell(label, policy) {
  const td = cell(label);
  const detail = tunedText(policy);
  if (detail) td.append(Object.assign(document.createElement('small'), { className: 'policy-tuned muted', textContent: detail }));
  return td;
}

function difference(paired) {
  if (!paired) return '–';
  const { diff, stderr } = paired.real_net_worth;
  return `${diff >= 0 ? '+' : ''}${formatEuro(diff)} ± ${formatEuro(stderr)}`;
}

// A series' last month in words: "median €41,234 (5th percentile -€512, 95th €80,000)".
function lastMonth(bands) {
  const last = (values) => formatEuro(values[values.length - 1]);
  return `median ${last(bands.p50)} (5th percentile ${last(bands.p5)}, 95th ${last(bands.p95)})`;
}

export class SimulateView {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('#simulate-form');
    this.household = root.querySelector('#simulate-household');
    this.models = new ModelPicker(root.querySelector('#simulate-model'), this.household);
    this.result = root.querySelector('#simulate-result');
    this.saved = root.querySelector('#simulation-list tbody');
    const charts = root.querySelector('#simulate-charts');
    this.netWorth = chartFigure(charts, 'net-worth', NET_WORTH_TITLE);
    this.legend = Object.assign(document.createElement('ul'), { id: 'simulate-legend', className: 'legend' });
    this.netWorth.figure.append(this.legend);
    this.liquid = chartFigure(charts, 'liquid', LIQUID_TITLE);
    this.looks = null; // the served labels and colours, asked for when the first simulation is shown
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.refreshSaved();
  }

  async refreshSaved() {
    try {
      this.saved.replaceChildren(...(await api.simulations()).map((s) => this.savedRow(s)));
    } catch (error) {
      showError(error);
    }
  }

  savedRow(summary) {
    const tr = document.createElement('tr');
    tr.dataset.simulation = summary.id;
    tr.append(cell(formatDateTime(summary.created_at)), cell(summary.scenario_name),
      cell(summary.run_id ? `run ${summary.run_id}` : 'published'), cell(String(summary.households)),
      cell(summary.totals ? formatEuro(summary.totals.median_real_net_worth) : '–'));
    const actions = document.createElement('td');
    const open = async () => {
      try {
        await this.show(await api.simulation(summary.id));
      } catch (error) {
        showError(error);
      }
    };
    const remove = async () => {
      try {
        await api.deleteSimulation(summary.id);
        if (this.result.dataset.simulation === summary.id) this.result.hidden = true;
        await this.refreshSaved();
      } catch (error) {
        showError(error);
      }
    };
    actions.append(button('Open', open, { className: 'simulation-open' }), button('Delete', remove, { className: 'simulation-delete' }));
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
    const submit = this.form.querySelector('button[type=submit]');
    submit.disabled = true;
    this.root.dataset.state = 'running';
    try {
      await this.show(await api.simulate(body));
      this.root.dataset.state = 'done';
      await this.refreshSaved();
    } catch (error) {
      this.root.dataset.state = 'error';
      showError(error);
    } finally {
      submit.disabled = false;
    }
  }

  // The served labels and colours (asked for once; again after a failure).
  policyLooks() {
    this.looks ??= api.policies().then(policyLooks).catch((error) => {
      this.looks = null;
      throw error;
    });
    return this.looks;
  }

  async show(simulation) {
    const { look, buffer } = await this.policyLooks();
    const { policies, months } = simulation;
    this.result.dataset.simulation = simulation.id;
    this.result.hidden = false; // first, so the charts take the width they are given
    this.drawCharts(simulation, look, buffer);
    this.legend.replaceChildren(...Object.keys(policies).map((name) => {
      const item = document.createElement('li');
      const swatch = Object.assign(document.createElement('span'), { className: 'swatch' });
      swatch.style.background = look(name).color;
      item.append(swatch, look(name).label);
      return item;
    }));
    this.result.querySelector('#simulate-table tbody').replaceChildren(...Object.entries(policies).map(([name, policy]) => {
      const t = policy.totals;
      const tr = document.createElement('tr');
      tr.dataset.policy = name;
      tr.append(policyCell(look(name).label, policy), cell(formatEuro(t.median_real_net_worth)), cell(formatEuro(t.p5_real_net_worth)),
        cell(formatEuro(t.median_total_spending)), cell(formatShare(t.share_broke)), cell(formatShare(t.share_months_under_buffer)),
        cell(difference(simulation.paired[name])));
      return tr;
    }));
    this.result.querySelector('#simulate-summary').textContent = `${simulation.scenario_name}: ${simulation.households} households, `
      + `${months} months, seed ${simulation.seed}. ${policies.rule_of_thumb.description}.`;
    this.result.querySelector('#simulate-report').href = api.simulationReportUrl(simulation.id);
  }

  // The fan chart of real net worth and the liquid money against the safety buffer, drawn anew.
  drawCharts({ policies, months, scenario }, look, buffer) {
    const trained = look('hrl').color;
    const worth = policies.hrl.series.real_net_worth;
    const liquid = policies.hrl.series.liquid;
    for (const chart of [this.netWorth, this.liquid]) chart.figure.chart?.plot.destroy();
    this.netWorth.figure.chart = {
      plot: fanChart(this.netWorth.plotArea, {
        months,
        bands: [{ label: 'p5-p95', low: worth.p5, high: worth.p95, color: trained, opacity: 0.15 },
          { label: 'p25-p75', low: worth.p25, high: worth.p75, color: trained, opacity: 0.3 }],
        lines: Object.entries(policies).map(([name, policy]) => ({
          label: look(name).label, values: policy.series.real_net_worth.p50, color: look(name).color,
          width: name === 'hrl' ? 2.5 : 1.5, dash: name === 'hrl' ? undefined : [5, 3],
        })),
      }),
    };
    this.netWorth.summary.textContent = `Real net worth after ${months} months, today's euros: `
      + `${look('hrl').label} ${lastMonth(worth)}; `
      + Object.entries(policies).filter(([name]) => name !== 'hrl')
        .map(([name, policy]) => `${look(name).label} median ${formatEuro(policy.totals.median_real_net_worth)}`).join('; ');
    this.liquid.figure.chart = {
      plot: fanChart(this.liquid.plotArea, {
        months,
        bands: [{ label: 'p5-p95', low: liquid.p5, high: liquid.p95, color: trained, opacity: 0.15 }],
        lines: [{ label: look('hrl').label, values: liquid.p50, color: trained, width: 2.5 },
          { label: buffer.label, values: new Array(months).fill(scenario.safety_buffer), color: buffer.color, dash: [6, 3] }],
      }),
    };
    this.liquid.summary.textContent = `Liquid money after ${months} months, nominal euros: ${look('hrl').label} `
      + `${lastMonth(liquid)}; ${buffer.label} ${formatEuro(scenario.safety_buffer)}.`;
  }
}
