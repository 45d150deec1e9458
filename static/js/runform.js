// The "New run" form and the Stop button: reads the start request, shows a running run's
// settings (from another tab, say) in the form, and is disabled while a run trains. Resume fills it with a
// finished run's settings, seed included, and says what Start will continue.
import { $ } from './dom.js';
import { formatNumber } from './format.js';
import { runName } from './runmeta.js';

const SETTINGS = ['num_episodes', 'save_interval', 'eval_episodes', 'seed'];
// The server's default for `publish` (GET /api/settings), sent only when another is chosen.
const DEFAULT_PUBLISH = 'on_finish';

export class RunForm {
  constructor({ onStart, onStop }) {
    this.form = $('start-form');
    this.startButton = $('start-button');
    this.stopButton = $('stop-button');
    this.note = $('form-note');
    this.resumeNote = $('resume-note');
    this.resuming = null; // the run Start continues, or null for a new run
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      onStart(this.request());
    });
    this.stopButton.addEventListener('click', onStop);
    $('resume-cancel').addEventListener('click', () => this.cancelResume());
    // Another scenario is another run: not a continuation of this one.
    this.form.addEventListener('change', (event) => {
      if (event.target.name === 'scenario_name' && this.resuming) this.cancelResume();
    });
  }

  // The start request's body from the form (an empty seed: a random one; resume_from when resuming).
  request() {
    const fields = new FormData(this.form);
    const config = { scenario_name: fields.get('scenario_name') };
    for (const name of SETTINGS) {
      if (fields.get(name) !== '') config[name] = Number(fields.get(name));
    }
    const publish = fields.get('publish');
    if (publish && publish !== DEFAULT_PUBLISH) config.publish = publish;
    if (this.resuming) config.resume_from = this.resuming.run_id;
    return config;
  }

  // Resume: the run's scenario and settings, seed included, fill the form; Start continues it.
  prepareResume(run) {
    this.showRun(run.scenario_name, { ...run.settings, seed: run.seed });
    this.resuming = run;
    $('resume-text').textContent = `Resuming ${runName(run)} from episode ${formatNumber(run.episodes_completed)}: `
      + 'Start trains the episodes set below on top of it, with its settings and seed (change them if you wish).';
    this.resumeNote.hidden = false;
    this.startButton.textContent = 'Resume';
    this.form.dataset.resuming = run.run_id;
  }

  cancelResume() {
    this.resuming = null;
    this.resumeNote.hidden = true;
    this.startButton.textContent = 'Start';
    delete this.form.dataset.resuming;
  }

  // While a run trains, its settings fill the form and only Stop is enabled.
  setRunning(running) {
    if (running) this.cancelResume();
    for (const fieldset of this.form.querySelectorAll('fieldset')) fieldset.disabled = running;
    this.startButton.disabled = running;
    this.stopButton.disabled = !running;
    this.stopButton.textContent = 'Stop';
    this.note.hidden = !running;
    this.note.textContent = running ? 'A run is training: the form shows its settings until it ends.' : '';
  }

  // Stop was pressed: the server saves and answers; until then the button says so.
  setStopping() {
    this.stopButton.disabled = true;
    this.stopButton.textContent = 'Stopping…';
  }

  // Startable again (a start that failed, say).
  setStarting(starting) {
    this.startButton.disabled = starting;
  }

  // Shows a run's scenario and settings (the status's `settings`, when the server sends them).
  showRun(scenarioName, settings) {
    const radio = this.form.querySelector(`input[name="scenario_name"][value="${CSS.escape(scenarioName)}"]`);
    if (radio) radio.checked = true;
    if (!settings) return;
    for (const name of SETTINGS) {
      this.form.elements[name].value = settings[name] === null || settings[name] === undefined ? '' : String(settings[name]);
    }
    if (settings.publish) this.form.elements.publish.value = settings.publish;
  }
}
