// The run panel: title and state, the run's settings, progress bar, elapsed/ETA, the
// outcome once it ended, the metric cards, and the tab's title. Progress events only store
// the latest row; the DOM is updated once a frame.
import { messageBlock } from './banner.js';
import { $ } from './dom.js';
import { EtaEstimator } from './eta.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { onNextFrame } from './frame.js';
import { METRICS, formatMetric } from './metrics.js';

const PAGE_TITLE = document.title;

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

// "3,000 episodes · save every 100 · 10 evaluation episodes · seed 42"
export function describeSettings(settings) {
  const seed = settings.seed === null || settings.seed === undefined ? 'random seed' : `seed ${settings.seed}`;
  return [
    `${formatNumber(settings.num_episodes)} episodes`,
    `save every ${formatNumber(settings.save_interval)}`,
    `${formatNumber(settings.eval_episodes)} evaluation episodes`,
    seed,
  ].join(' · ');
}

export class RunView {
  constructor() {
    this.section = $('run');
    this.values = buildCards($('metric-cards'));
    this.scenarioName = '';
    this.latest = null;
    this.total = 0;
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

  // Shows a progress row; an older row than the one shown is ignored.
  update(progress) {
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
    $('progress-eta').textContent = this.etaText();
    for (const metric of METRICS) {
      this.values[metric.key].textContent = this.latest ? formatMetric(metric.key, this.latest[metric.key], this.latest) : '–';
    }
    document.title = this.tabTitle();
  }

  etaText() {
    if (this.state === 'completed') return 'done';
    if (this.state !== 'running' && this.state !== 'stopping') return '–';
    return this.episode ? formatDuration(this.eta.remaining(this.total)) : '…';
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
