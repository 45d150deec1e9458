// The "Simulate" view: run a model on a household, then a fan chart of real net worth (today's euros) with
// the model and its two strongest baselines (the others one checkbox away), liquid money against the safety
// buffer (nominal euros), and a table comparing the policies: medians and shares over the households, then
// the model's mean paired difference against each policy with its verdict, as the API computes them.
// The policies' labels and colours are the server's (GET /api/policies), as in the printable report.
import { api } from '../api.js';
import { showBanner, showError } from '../banner.js';
import { button, cell, clearFieldErrors, confirmAction, labelCells, showRefusal } from '../dom.js';
import { formatDateTime, formatDuration, formatEuro, formatNumber, formatShare } from '../format.js';
import { chartFigure, seriesToggles } from '../plot.js';
import { comparison as pairedComparison } from '../heldout.js';
import { fanChart } from './fanchart.js';
import { ModelPicker } from './select.js';

const NET_WORTH_TITLE = "Real net worth over the years, today's euros: the trained model's 5th–95th and 25th–75th "
  + "percentiles and median, and the baselines' medians (dashed)";
const LIQUID_TITLE = "Liquid money, nominal euros: the trained model's 5th–95th percentiles and median, against the safety buffer";
const SHOWN_BASELINES = 2;
const MEASURES = { net_worth: 'net worth at the end', real_net_worth: 'real net worth at the end', reward: 'reward' };
const STATISTICS = { mean_paired_difference: 'mean paired difference' };
const UNITS = { EUR: "today's €" };
const VERDICTS = { ahead: 'model ahead', level: 'level', behind: 'model behind' };
// After this long, the wait says what else may be under way (the first simulation of a household tunes).
const TUNING_HINT_AFTER_S = 2;
const MS_PER_S = 1e3; // the wait's clock ticks once a second

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

// The model minus baseline `name` as the API states it (measure, unit, statistic, households, mean, se and the
// verdict drawn from that mean), in real net worth at the end; heldout.js reads older simulations alike.
export function comparison(simulation, name) {
  return pairedComparison(simulation.paired[name].real_net_worth, 'real_net_worth', simulation.households);
}

// "mean paired difference in net worth at the end, today's € ± standard error, over 200 households"
export function comparisonWords(c) {
  return `${STATISTICS[c.statistic] ?? c.statistic.replaceAll('_', ' ')} in ${MEASURES[c.measure] ?? c.measure.replaceAll('_', ' ')}, `
    + `${UNITS[c.unit] ?? c.unit} ± standard error, over ${formatNumber(c.households)} households`;
}

// The baselines the model is furthest behind (smallest mean paired difference): the ones drawn at first.
export function strongestBaselines(simulation, count = SHOWN_BASELINES) {
  return Object.keys(simulation.paired)
    .sort((a, b) => comparison(simulation, a).mean - comparison(simulation, b).mean)
    .slice(0, count);
}

function policyCell(label, policy) {
  const td = cell(label);
  const detail = tunedText(policy);
  if (detail) td.append(Object.assign(document.createElement('small'), { className: 'policy-tuned muted', textContent: detail }));
  return td;
}

// A series' last month in words: "median €41,234 (5th percentile -€512, 95th €80,000)".
function lastMonth(bands) {
  const last = (values) => formatEuro(values[values.length - 1]);
  return `median ${last(bands.p50)} (5th percentile ${last(bands.p5)}, 95th ${last(bands.p95)})`;
}

// What the wait is about, in words, as it goes on.
function waitText(body, seconds) {
  const what = `Simulating ${formatNumber(body.households)} households with every policy…`;
  if (body.flat_ppo) return `${what} The first time, the flat PPO is trained on the model's budget: as long as the model's training.`;
  if (seconds >= TUNING_HINT_AFTER_S) return `${what} The first simulation of a household tunes its baselines first (once, some seconds).`;
  return what;
}

export class SimulateView {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('#simulate-form');
    this.formError = root.querySelector('#simulate-form-error');
    this.household = root.querySelector('#simulate-household');
    this.models = new ModelPicker(root.querySelector('#simulate-model'), this.household, root.querySelector('#simulate-note'));
    this.result = root.querySelector('#simulate-result');
    this.wait = root.querySelector('#simulate-wait');
    this.saved = root.querySelector('#simulation-list');
    const charts = root.querySelector('#simulate-charts');
    this.netWorth = chartFigure(charts, 'net-worth', NET_WORTH_TITLE);
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
      this.saved.tBodies[0].replaceChildren(...(await api.simulations()).map((s) => this.savedRow(s)));
      labelCells(this.saved);
    } catch (error) {
      showError(error);
    }
  }

  savedRow(summary) {
    const tr = document.createElement('tr');
    tr.dataset.simulation = summary.id;
    tr.append(cell(formatDateTime(summary.created_at)), cell(summary.scenario_name),
      cell(summary.run_id ? `run ${summary.run_id}` : 'published'), cell(formatNumber(summary.households)),
      cell(summary.totals ? formatEuro(summary.totals.median_real_net_worth) : '–'));
    const actions = document.createElement('td');
    actions.className = 'row-actions';
    const open = async () => {
      try {
        await this.show(await api.simulation(summary.id));
        this.result.scrollIntoView({ block: 'start' });
      } catch (error) {
        showError(error);
      }
    };
    const remove = async () => {
      const when = formatDateTime(summary.created_at);
      if (!await confirmAction(`Delete the simulation of ${summary.scenario_name} of ${when}? Its report goes with it.`)) return;
      try {
        await api.deleteSimulation(summary.id);
        if (this.result.dataset.simulation === summary.id) this.result.hidden = true;
        showBanner('success', `Simulation of ${summary.scenario_name} of ${when} deleted.`);
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
    return this.models.refresh(scenarios);
  }

  body() {
    const fields = new FormData(this.form);
    const body = { scenario_name: fields.get('scenario_name'), households: Number(fields.get('households')) };
    if (fields.get('run_id')) body.run_id = fields.get('run_id');
    if (fields.get('seed') !== '') body.seed = Number(fields.get('seed'));
    if (fields.get('flat_ppo')) body.flat_ppo = true;
    return body;
  }

  // The wait under the form: what is under way and for how long; returns the function that ends it.
  showWait(body) {
    const started = performance.now();
    const text = this.wait.querySelector('#simulate-wait-text');
    const elapsed = this.wait.querySelector('#simulate-elapsed');
    const tick = () => {
      const seconds = (performance.now() - started) / MS_PER_S;
      text.textContent = waitText(body, seconds);
      elapsed.textContent = formatDuration(seconds);
    };
    tick();
    this.wait.hidden = false;
    const timer = setInterval(tick, MS_PER_S);
    return () => {
      clearInterval(timer);
      this.wait.hidden = true;
    };
  }

  async run() {
    const body = this.body();
    const submit = this.form.querySelector('button[type=submit]');
    clearFieldErrors(this.form);
    this.formError.hidden = true;
    submit.disabled = true;
    this.root.dataset.state = 'running';
    const endWait = this.showWait(body);
    try {
      const simulation = await api.simulate(body);
      endWait();
      await this.show(simulation);
      this.root.dataset.state = 'done';
      await this.refreshSaved();
    } catch (error) {
      this.root.dataset.state = 'error';
      showRefusal(this.form, this.formError, error, showError);
    } finally {
      endWait();
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
    this.showTable(simulation, look);
    this.result.querySelector('#simulate-summary').textContent = `${simulation.scenario_name}: ${formatNumber(simulation.households)} households, `
      + `${months} months, seed ${simulation.seed}, simulated ${formatDateTime(simulation.created_at)}. ${policies.rule_of_thumb.description}.`;
    this.result.querySelector('#simulate-report').href = api.simulationReportUrl(simulation.id);
    this.result.querySelector('#simulate-csv').href = api.simulationTableUrl(simulation.id);
  }

  showTable(simulation, look) {
    const table = this.result.querySelector('#simulate-table');
    const first = Object.keys(simulation.paired)[0];
    table.caption.textContent = `Medians and shares over ${formatNumber(simulation.households)} households. `
      + `Model minus policy: ${first ? comparisonWords(comparison(simulation, first)) : 'no baseline'} (every policy lives `
      + 'the same lives); the verdict is "ahead" or "behind" beyond 2 standard errors, else "level".';
    table.tBodies[0].replaceChildren(...Object.entries(simulation.policies).map(([name, policy]) => {
      const t = policy.totals;
      const tr = document.createElement('tr');
      tr.dataset.policy = name;
      const c = simulation.paired[name] ? comparison(simulation, name) : null;
      const difference = c ? `${formatEuro(c.mean, 0, true)} ± ${formatEuro(c.se)}` : '–';
      const verdict = cell(c ? (VERDICTS[c.verdict] ?? '–') : '–', 'verdict');
      if (c?.verdict) verdict.dataset.verdict = c.verdict;
      tr.append(policyCell(look(name).label, policy), cell(formatEuro(t.median_real_net_worth)), cell(formatEuro(t.p5_real_net_worth)),
        cell(formatEuro(t.median_total_spending)), cell(formatShare(t.share_broke)), cell(formatShare(t.share_months_under_buffer)),
        cell(difference, 'difference'), verdict);
      return tr;
    }));
    labelCells(table);
  }

  // The fan chart of real net worth and the liquid money against the safety buffer, drawn anew.
  drawCharts(simulation, look, buffer) {
    const { policies, months, scenario } = simulation;
    const trained = look('hrl').color;
    const model = look('hrl').label;
    const worth = policies.hrl.series.real_net_worth;
    const liquid = policies.hrl.series.liquid;
    const strongest = strongestBaselines(simulation);
    for (const chart of [this.netWorth, this.liquid]) chart.figure.chart?.plot.destroy();
    this.netWorth.figure.querySelector('.series-toggles')?.remove();
    const names = Object.keys(policies);
    const drawn = fanChart(this.netWorth.plotArea, {
      months,
      bands: [
        { highLabel: `${model}, 95th percentile`, lowLabel: `${model}, 5th percentile`, high: worth.p95, low: worth.p5, color: trained, opacity: 0.15 },
        { highLabel: `${model}, 75th percentile`, lowLabel: `${model}, 25th percentile`, high: worth.p75, low: worth.p25, color: trained, opacity: 0.3 },
      ],
      lines: names.map((name) => ({
        label: name === 'hrl' ? `${model}, median` : `${look(name).label}, median`,
        values: policies[name].series.real_net_worth.p50,
        color: look(name).color,
        width: name === 'hrl' ? 2.5 : 1.75,
        dash: name === 'hrl' ? undefined : [6, 3],
        show: name === 'hrl' || strongest.includes(name),
      })),
    });
    this.netWorth.figure.chart = drawn;
    this.netWorth.figure.dataset.shown = ['hrl', ...strongest].join(' ');
    const toggles = names.filter((name) => name !== 'hrl').map((name) => ({
      index: drawn.lines[names.indexOf(name)], label: look(name).label, color: look(name).color, shown: strongest.includes(name),
    }));
    this.netWorth.figure.append(seriesToggles(drawn.plot, toggles, 'Baselines drawn (the two strongest at first)'));
    this.netWorth.summary.textContent = `Real net worth after ${months} months, today's euros: `
      + `${model} ${lastMonth(worth)}; `
      + names.filter((name) => name !== 'hrl')
        .map((name) => `${look(name).label} median ${formatEuro(policies[name].totals.median_real_net_worth)}`).join('; ');
    this.liquid.figure.chart = fanChart(this.liquid.plotArea, {
      months,
      bands: [{ highLabel: `${model}, 95th percentile`, lowLabel: `${model}, 5th percentile`, high: liquid.p95, low: liquid.p5, color: trained, opacity: 0.15 }],
      lines: [{ label: `${model}, median`, values: liquid.p50, color: trained, width: 2.5 }],
      references: [{ value: scenario.safety_buffer, label: `${buffer.label} ${formatEuro(scenario.safety_buffer)}`, color: buffer.color }],
    });
    this.liquid.summary.textContent = `Liquid money after ${months} months, nominal euros: ${model} `
      + `${lastMonth(liquid)}; ${buffer.label} ${formatEuro(scenario.safety_buffer)}.`;
  }
}
