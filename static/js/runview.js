// The live run panel: title, state, progress bar, elapsed/ETA and metric cards.
// Progress events only store the latest row; the DOM is updated once a frame.
import { METRICS } from './metrics.js';
import { formatDuration } from './format.js';
import { onNextFrame } from './frame.js';

const $ = (id) => document.getElementById(id);

function buildCards(container) {
  return Object.fromEntries(METRICS.map((metric) => {
    const card = document.createElement('article');
    card.className = 'card';
    card.dataset.metric = metric.key;
    card.innerHTML = '<h3></h3><p class="value">–</p><p class="hint"></p>';
    card.querySelector('h3').textContent = metric.label;
    card.querySelector('.hint').textContent = metric.hint;
    container.append(card);
    return [metric.key, card.querySelector('.value')];
  }));
}

export class RunView {
  constructor() {
    this.section = $('run');
    this.values = buildCards($('metric-cards'));
    this.scenarioName = '';
    this.latest = null;
    this.total = 0;
    this.render = () => this.draw();
  }

  get state() {
    return this.section.dataset.state;
  }

  // A new run: empty progress, state 'running'.
  start(scenarioName, totalEpisodes) {
    this.scenarioName = scenarioName;
    this.total = totalEpisodes;
    this.latest = null;
    this.setState('running');
  }

  // state: 'idle' | 'running' | 'completed' | 'stopped' | 'error' | 'interrupted'
  setState(state) {
    this.section.dataset.state = state;
    $('run-title').textContent = `${this.scenarioName} · ${state}`;
    onNextFrame(this.render);
  }

  // Shows a progress row; an older row than the one shown is ignored.
  update(progress) {
    if (this.latest && progress.episode <= this.latest.episode) return;
    this.latest = progress;
    this.total = progress.total_episodes;
    onNextFrame(this.render);
  }

  draw() {
    const episode = this.latest ? this.latest.episode : 0;
    const bar = $('progress-bar');
    bar.setAttribute('aria-valuemax', String(this.total));
    bar.setAttribute('aria-valuenow', String(episode));
    $('progress-fill').style.width = this.total ? `${(100 * episode) / this.total}%` : '0';
    $('progress-episode').textContent = `Episode ${episode} of ${this.total}`;
    const elapsed = this.latest ? this.latest.elapsed_time : NaN;
    $('progress-elapsed').textContent = formatDuration(elapsed);
    $('progress-eta').textContent = this.eta(episode, elapsed);
    for (const metric of METRICS) {
      this.values[metric.key].textContent = this.latest ? metric.format(this.latest[metric.key], this.latest) : '–';
    }
  }

  eta(episode, elapsed) {
    if (this.state !== 'running') return this.state === 'completed' ? 'done' : '–';
    if (!episode) return '…';
    return formatDuration((elapsed / episode) * (this.total - episode));
  }
}
