// The run panel: title and state, the run's settings, progress bar, elapsed/ETA (or what the run is doing:
// starting, evaluating on held-out households, saving), the outcome once it ended, the metric cards, and the
// tab's title. Progress events only store the latest row; the DOM is updated once a frame.
import { messageBlock } from './banner.js';
import { $ } from './dom.js';
import { EtaEstimator } from './eta.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { onNextFrame } from './frame.js';
import { METRICS, formatMetric } from './metrics.js';
import { describeSettings } from './runmeta.js';

const PAGE_TITLE = document.title;

// What the run is doing when it is not training episodes (the `phase` of progress events and the status, and
// its `phase_detail` {households, purpose: 'held_out' | 'checkpoint'} when evaluating).
const HELD_OUT = 'Evaluating on held-out households…';
// last: every episode is done (the evaluation of the last checkpoint leads to the held-out one). The brief evaluation
// every save interval keeps the ETA, whose rate counts those pauses already.
function phaseWords(phase, detail, last) {
  if (phase === 'saving') return 'Saving the model…';
  if (phase !== 'evaluating') return null;
  return detail?.purpose === 'checkpoint' && !last ? null : HELD_OUT;
}

// What the title says for each state of the panel.
const STATE_WORDS = {
  idle: 'idle', running: 'running', stopping: 'stopping', completed: 'completed',
  stopped: 'stopped', error: 'failed', interrupted: 'interrupted',
};

function buildCards(container) {
  return Object.fromEntries(METRICS.map((metric) => {
    const card = document.createElement('article');
    card.className = 'card';
    card.dataset.metric = metric.key;
    const title = document.createElement('h3');
    title.textContent = metric.label;
    const value = document.createElement('p');
    value.className = 'value';
    value.textContent = '–';
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = metric.hint;
    card.append(title, value, hint);
    container.append(card);
    return [metric.key, value];
  }));
}

export class RunView {
  constructor() {
    this.section = $('run');
    this.values = buildCards($('metric-cards'));
    this.scenarioName = '';
    this.latest = null;
    this.total = 0;
    this.phase = null;
    this.phaseDetail = null;
    this.eta = new EtaEstimator();
    this.render = () => this.draw();
  }

  get state() {
    return this.section.dataset.state;
  }

  get episode() {
    return this.latest ? this.latest.episode : 0;
  }

  // A new run: empty progress, state 'running'. settings: the status's, or null if unknown.
  start(scenarioName, totalEpisodes, settings = null) {
    this.scenarioName = scenarioName;
    this.total = totalEpisodes;
    this.latest = null;
    this.phase = null;
    this.phaseDetail = null;
    this.eta.reset(settings?.save_interval ?? null);
    this.showSettings(settings);
    this.showOutcome(null);
    this.setState('running');
  }

  showSettings(settings) {
    if (settings) this.eta.saveInterval = settings.save_interval;
    $('run-settings').hidden = !settings;
    $('run-settings').textContent = settings ? describeSettings(settings) : '';
  }

  // state: 'idle' | 'running' | 'stopping' | 'completed' | 'stopped' | 'error' | 'interrupted'
  setState(state) {
    this.section.dataset.state = state;
    $('run-title').textContent = `${this.scenarioName} · ${STATE_WORDS[state]}`;
    onNextFrame(this.render);
  }

  // What happened, in the panel (it stays after the toast is dismissed); null clears it.
  showOutcome(message, details = null) {
    const box = $('run-outcome');
    box.hidden = !message;
    box.replaceChildren(...(message ? messageBlock(message, details) : []));
  }

  // What the run is doing: 'training' | 'evaluating' | 'saving' (null: unknown), with the server's detail if any.
  setPhase(phase, detail = null) {
    this.phase = phase ?? null;
    this.phaseDetail = detail ?? null;
    onNextFrame(this.render);
  }

  // Shows a progress row (its phase, even when it repeats the latest episode); an older row is ignored.
  update(progress) {
    if (progress.phase !== undefined) this.setPhase(progress.phase, progress.phase_detail);
    if (this.latest && progress.episode <= this.latest.episode) return;
    this.latest = progress;
    this.total = progress.total_episodes;
    this.eta.add(progress.episode, progress.elapsed_time);
    onNextFrame(this.render);
  }

  draw() {
    const episode = this.episode;
    const bar = $('progress-bar');
    bar.setAttribute('aria-valuemax', String(this.total));
    bar.setAttribute('aria-valuenow', String(episode));
    bar.setAttribute('aria-valuetext', `Episode ${formatNumber(episode)} of ${formatNumber(this.total)}`);
    $('progress-fill').style.width = this.total ? `${(100 * episode) / this.total}%` : '0';
    $('progress-episode').textContent = `Episode ${formatNumber(episode)} of ${formatNumber(this.total)}`;
    $('progress-elapsed').textContent = formatDuration(this.latest ? this.latest.elapsed_time : NaN);
    const doing = this.doingText();
    $('progress-eta').textContent = doing ?? this.etaText();
    $('progress-eta-label').hidden = doing !== null; // "ETA 1m 05s", but "Starting…", not "ETA Starting…"
    $('progress-eta-box').dataset.phase = this.phase ?? '';
    for (const metric of METRICS) {
      this.values[metric.key].textContent = this.latest ? formatMetric(metric.key, this.latest[metric.key], this.latest) : '–';
    }
    document.title = this.tabTitle();
  }

  // What a running run is doing instead of training episodes (starting, evaluating, saving), or null.
  doingText() {
    if (this.state !== 'running' && this.state !== 'stopping') return null;
    const last = this.total > 0 && this.episode >= this.total;
    const doing = phaseWords(this.phase, this.phaseDetail, last);
    if (doing) return doing;
    // Every episode done, still running: the final held-out evaluation (a server that sends no phase).
    if (!this.phase && last) return HELD_OUT;
    return this.episode ? null : 'Starting…';
  }

  etaText() {
    if (this.state === 'completed') return 'done';
    if (this.state !== 'running' && this.state !== 'stopping') return '–';
    const left = this.eta.remaining(this.total);
    return Number.isFinite(left) ? formatDuration(left) : '…';
  }

  // "42 % · bologna_coppia" while it runs; the outcome once it ended.
  tabTitle() {
    if (this.state === 'idle') return PAGE_TITLE;
    if (this.state === 'running' || this.state === 'stopping') {
      return `${formatPercent(this.total ? this.episode / this.total : 0)} · ${this.scenarioName}`;
    }
    return `${this.scenarioName} · ${STATE_WORDS[this.state]} · HRL Finance`;
  }
}
