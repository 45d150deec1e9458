// What a run's summary (GET /api/runs items) says, in words: its name wherever a run is named (lists,
// legends, pickers, messages), whether its model can be used, how long it took, its settings.
import { formatDuration, formatNumber } from './format.js';

// "bologna_coppia-20261201-073012-3f9a" -> "3f9a": the random part, enough to tell a scenario's runs apart.
export function shortId(runId) {
  return runId.slice(runId.lastIndexOf('-') + 1);
}

// The run's name, else its scenario and short id ("bologna_coppia #3f9a").
export function runName(run) {
  return run.name || `${run.scenario_name} #${shortId(run.run_id)}`;
}

// A run whose final model can be used (published, resumed, simulated): completed or stopped with episodes.
export function isFinished(run) {
  return ['completed', 'stopped'].includes(run.status) && run.episodes_completed > 0;
}

// Whether a run is still to end (its files are being written, or not yet).
export function isActive(run) {
  return ['running', 'queued'].includes(run.status);
}

export function runDuration(run) {
  if (!run.started_at || !run.finished_at) return NaN;
  return (new Date(run.finished_at) - new Date(run.started_at)) / 1000;
}

export function durationText(run) {
  return formatDuration(runDuration(run));
}

// "3,000 episodes · save every 100 · 10 evaluation episodes · seed 42" (a run's settings, or the status's)
export function describeSettings(settings) {
  const number = (value) => (value === null || value === undefined ? '?' : formatNumber(value));
  const seed = settings.seed === null || settings.seed === undefined ? 'random seed' : `seed ${settings.seed}`;
  return [
    `${number(settings.num_episodes)} episodes`,
    `save every ${number(settings.save_interval)}`,
    `${number(settings.eval_episodes)} evaluation episodes`,
    seed,
  ].join(' · ');
}

// A listed run's settings in words (its seed is beside its settings).
export function settingsText(run) {
  return describeSettings({ ...run.settings, seed: run.seed });
}

// Settings that say where files went, not how the run trained.
export const LOCAL_SETTINGS = new Set(['models_dir', 'scenarios_dir', 'run_id']);

// A run's config (GET /api/runs/{id}'s `config`: its TrainConfig, seed, household figures and library versions) as
// rows [setting, value], the household's and versions' prefixed ("household: monthly_income", "version: torch").
export function configRows(config) {
  const rows = [];
  const prefixes = { config: '', scenario: 'household: ', versions: 'version: ' };
  for (const [part, values] of Object.entries(config ?? {})) {
    if (values && typeof values === 'object' && !Array.isArray(values)) {
      for (const [key, value] of Object.entries(values)) {
        if (!LOCAL_SETTINGS.has(key)) rows.push([`${prefixes[part] ?? `${part}: `}${key}`, value]);
      }
    } else if (!(part === 'seed' && config.config && 'seed' in config.config)) {
      rows.push([part, values]); // the seed once, the TrainConfig's
    }
  }
  return rows;
}

export function settingValue(value) {
  if (value === null || value === undefined) return '–';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
