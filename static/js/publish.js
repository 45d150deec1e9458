// Publishing, seen and undoable: after every publish (by hand, or at a run's end) a toast names the run now
// published and the run it replaced, with both held-out scores, and offers an Undo that publishes the replaced
// run again. Every publish ends with one page event, PUBLISHED, so every list and picker reads again.
import { api } from './api.js';
import { showBanner, showError } from './banner.js';
import { formatNumber } from './format.js';
import { runName } from './runmeta.js';

// The page event after a publish: detail {scenario_name, run_id, publication, deleted} (run_id: the run published
// now, null when none is; deleted: the run whose deletion published another). Lists and pickers listen to it.
export const PUBLISHED = 'hrl:published';

export function announcePublished(detail) {
  document.dispatchEvent(new CustomEvent(PUBLISHED, { detail }));
}

// listener(detail) after every publish.
export function onPublished(listener) {
  document.addEventListener(PUBLISHED, (event) => listener(event.detail));
}

const REASONS = {
  finished: 'as its training finished',
  stopped: 'as its training was stopped',
  resumed: 'as its resumed training ended',
  manual: 'by hand',
  undo: 'again, undoing a publish',
  deleted: 'because the published run was deleted',
};

// A run's held-out score (the publication's, else its summary's): its mean reward per held-out household.
function score(value, summary) {
  const reward = value ?? summary?.held_out?.avg_reward;
  return reward === null || reward === undefined ? 'no held-out score' : `held-out reward ${formatNumber(reward, 2)}`;
}

// The summaries of the runs a publication names (a run deleted since is null).
async function summaries(publication) {
  const read = (id) => (id ? api.run(id).catch(() => null) : null);
  return Promise.all([read(publication.run_id), read(publication.replaced_run_id)]);
}

// "torino_single #0772 (held-out reward 4.44) is now the published model of torino_single, by hand, in place of
// torino_single #9f23 (held-out reward 4.37)."
export async function publicationText(publication, scenarioName) {
  const [run, replaced] = await summaries(publication);
  const name = run ? runName(run) : publication.run_id;
  let text = `${name} (${score(publication.held_out, run)}) is now the published model of ${scenarioName}`;
  if (REASONS[publication.reason]) text += `, ${REASONS[publication.reason]}`;
  if (publication.replaced_run_id) {
    const other = replaced ? runName(replaced) : publication.replaced_run_id;
    text += `, in place of ${other} (${score(publication.replaced_held_out, replaced)})`;
  }
  return `${text}.`;
}

// The toast's Undo of a publication (showBanner's actions): none when it replaced no run, or was an undo itself.
export function undoAction(publication, scenarioName) {
  if (!publication.replaced_run_id || publication.reason === 'undo') return [];
  return [{ label: 'Undo', data: { action: 'undo-publish' }, onClick: () => undoPublication(publication, scenarioName) }];
}

// The toast of a publication, with its Undo.
export async function showPublication(publication, scenarioName, kind = 'success') {
  showBanner(kind, await publicationText(publication, scenarioName), null, undoAction(publication, scenarioName));
}

// The record of a publish: the server's (`publication` of the answer), else one made from what the page knew.
function publicationOf(answer, runId, reason, replacedRunId) {
  return answer.publication ?? answer.data?.publication ?? {
    run_id: runId, reason, replaced_run_id: replacedRunId, held_out: null, replaced_held_out: null,
  };
}

// The run published now of a scenario (null: none), for a server that does not say what a publish replaced.
async function publishedRunId(scenarioName) {
  const runs = await api.runs({ scenario_name: scenarioName }).catch(() => []);
  return runs.find((run) => run.published)?.run_id ?? null;
}

async function publish(runId, scenarioName, reason) {
  const before = await publishedRunId(scenarioName);
  const answer = await api.publishRun(runId, reason);
  const publication = publicationOf(answer, runId, reason, before === runId ? null : before);
  announcePublished({ scenario_name: scenarioName, run_id: runId, publication });
  return publication;
}

// Publishes a run by hand and says what it replaced, with an Undo. Resolves to the publication, or null if it failed.
export async function publishByHand(run) {
  try {
    const publication = await publish(run.run_id, run.scenario_name, 'manual');
    await showPublication(publication, run.scenario_name);
    return publication;
  } catch (error) {
    showError(error);
    return null;
  }
}

// Undo: the run a publication replaced is published again.
export async function undoPublication(publication, scenarioName) {
  try {
    const again = await publish(publication.replaced_run_id, scenarioName, 'undo');
    await showPublication(again, scenarioName, 'info');
  } catch (error) {
    showError(error);
  }
}
