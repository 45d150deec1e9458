// The "New run" form and the Stop button: reads the start request, shows a running run's
// settings (from another tab, say) in the form, and is disabled while a run trains.
import { $ } from './dom.js';

const SETTINGS = ['num_episodes', 'save_interval', 'eval_episodes', 'seed'];

export class RunForm {
  constructor({ onStart, onStop }) {
    this.form = $('start-form');
    this.startButton = $('start-button');
    this.stopButton = $('stop-button');
    this.note = $('form-note');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      onStart(this.request());
    });
    this.stopButton.addEventListener('click', onStop);
  }

  // The start request's body from the form (an empty seed: a random one).
  request() {
    const fields = new FormData(this.form);
    const config = { scenario_name: fields.get('scenario_name') };
    for (const name of SETTINGS) {
      if (fields.get(name) !== '') config[name] = Number(fields.get(name));
    }
    return config;
  }

  // While a run trains, its settings fill the form and only Stop is enabled.
  setRunning(running) {
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
  }
}
