// The page's one entry point: wires every panel (New run, the run, Trained models, Runs, Households,
// Simulate, Advice), a run's page and the comparison of runs (router.js: #/runs/{id}, #/compare/...) to the
// REST calls (api.js) and the Socket.IO events. One scenario list, read at start and again when a household
// is saved or deleted, feeds every panel that shows households.
import { io } from '../vendor/socket.io-client/socket.io.esm.min.js';
import { askForToken, onTokenEntered, savedToken } from './access.js';
import { api } from './api.js';
import { hideBanner, showBanner, showError } from './banner.js';
import { ChartGroup } from './charts.js';
import { ComparePage } from './compare.js';
import { DiagnosticsCharts } from './diagnostics.js';
import { $ } from './dom.js';
import { applyFieldSettings } from './fieldsettings.js';
import { formatNumber } from './format.js';
import { heldoutText } from './heldout.js';
import { formatMetric } from './metrics.js';
import { ModelBrowser } from './models.js';
import { announcePublished, onPublished, publicationText, undoAction } from './publish.js';
import { followRoutes, navigate } from './router.js';
import { RunForm } from './runform.js';
import { RunPage } from './runpage.js';
import { RunsList } from './runs.js';
import { RunView } from './runview.js';
import { renderScenarios } from './scenarios.js';
import { AdvicePanel } from './use/advice.js';
import { HouseholdsPanel } from './use/households.js';
import { SimulateView } from './use/simulate.js';

const view = new RunView();
const liveCharts = new ChartGroup($('live-charts'), {
  hint: 'Charts of reward, money, stability and goal distance appear here once a run starts: pick a scenario and press Start.',
});
const liveDiagnostics = new DiagnosticsCharts($('live-diagnostics-charts'), $('live-diagnostics-hint'));
const models = new ModelBrowser(showError);
const form = new RunForm({ onStart: start, onStop: stop });
const runs = new RunsList({ onError: showError, onResume: resume });
const runPage = new RunPage({ onResume: resume, onError: showError, onChanged: () => runs.refresh() });
const comparePage = new ComparePage({ onError: showError });
const simulate = new SimulateView($('simulate'));
const advice = new AdvicePanel($('advice'));
const households = new HouseholdsPanel($('households'), () => showScenarios());
let runKey = null;
let runSettings = null;
let runEnded = false;

// Every form's defaults and bounds are the server's (GET /api/settings), given before anything fills a form:
// a run's settings (after connecting) or a household's figures.
try {
  const settings = await api.settings();
  for (const [id, part] of [['start-form', 'run'], ['simulate-form', 'simulation'], ['advice-form', 'advice']]) {
    applyFieldSettings($(id), settings[part]);
  }
  households.applySettings(settings.household);
} catch (error) {
  showError(error);
}

function setConnection(state, text) {
  $('connection').dataset.state = state;
  $('connection').textContent = text;
}

const startedOf = (status) => ({
  run_id: status.run_id, scenario_name: status.scenario_name, num_episodes: status.total_episodes,
  start_time: status.start_time,
});
// A run is known by its id (a queued run's training_started comes later, with another start time).
const keyOf = ({ run_id: runId, scenario_name: scenarioName, start_time: startTime }) => runId ?? `${scenarioName}@${startTime}`;
// Whether an event belongs to the run this page follows. In cluster mode several runs train at once
// and every event reaches every page: the page follows one run (the one it started, or the first it saw).
const followed = (data) => !data?.run_id || !runKey || data.run_id === runKey;

// Called for the start response, training_started and a status showing a run:
// only a run not seen before clears the progress and charts. settings: null if unknown.
function beginRun(started, settings = null) {
  const { scenario_name: scenarioName, num_episodes: total } = started;
  const key = keyOf(started);
  form.setRunning(true);
  if (settings) runSettings = settings;
  if (key === runKey) {
    if (settings) view.showSettings(settings);
    form.showRun(scenarioName, runSettings);
    return;
  }
  runKey = key;
  runSettings = settings;
  runEnded = false;
  hideBanner();
  liveCharts.reset();
  liveDiagnostics.reset();
  view.start(scenarioName, total, settings);
  form.showRun(scenarioName, settings);
}

// What happened, in the run panel and a toast. details: technical text, folded away. ended: the final
// event, whose `publication` says whether the run was published and what it replaced (then the toast has an Undo).
function endRun(state, kind, message, details = null, ended = null) {
  if (runEnded) return; // the stop's answer and training_stopped both tell it
  runEnded = true;
  form.setRunning(false);
  view.setState(state);
  view.showOutcome(message, details);
  showBanner(kind, message, details);
  refreshModelLists();
  runs.refresh();
  if (state === 'completed' || state === 'stopped') {
    drawEvaluations(runKey, view.scenarioName, view.episode);
    if (view.episode) tellPublication(kind, message, ended);
  }
}

// The run's publication (or that it was not published) in the outcome and the toast; then every list and picker
// reads again. A server that does not say (no `publication` in the event) published it, as the spec says.
async function tellPublication(kind, message, ended) {
  const key = runKey;
  const scenarioName = view.scenarioName;
  const publication = ended?.publication;
  let text = '';
  if (publication) {
    text = await publicationText(publication, scenarioName);
  } else if (publication === null) {
    text = `It was not published: the published model of ${scenarioName}, if any, is unchanged (Publish it from its page or the Runs list).`;
  }
  announcePublished({ scenario_name: scenarioName, run_id: ended?.run_id ?? runKey, publication: publication ?? null });
  if (!text || key !== runKey) return;
  view.showOutcome(`${message} ${text}`);
  if (!$('banner').hidden) showBanner(kind, `${message} ${text}`, null, publication ? undoAction(publication, scenarioName) : []);
}

// The held-out evaluations of a saved run, from its history (the published model's, for a run without an id), as
// markers on the reward chart.
async function drawEvaluations(runId, scenarioName, episodes) {
  if (!episodes) return;
  try {
    const history = runId && !runId.includes('@') ? await api.runHistory(runId, 2) : await api.history(scenarioName);
    if (history.episodes_completed === episodes) liveCharts.setEvaluations(history.evaluations);
  } catch {
    // Only the markers are missing; the run's outcome is already shown.
  }
}

function onProgress(progress) {
  view.update(progress);
  liveCharts.push(progress);
}

// Resume, from the Runs list or a run's page: the New run form takes the run's settings and says what it continues.
let onHome = null; // what to do once the dashboard shows again
function resume(run) {
  form.prepareResume(run);
  const show = () => {
    $('setup').scrollIntoView({ block: 'start' });
    $('start-button').focus({ preventScroll: true });
  };
  if ($('home').hidden) {
    onHome = show;
    navigate('#/');
  } else {
    show();
  }
}

function completedMessage(data) {
  const { scenario_name: name, episodes_completed: done, final_metrics: metrics } = data;
  const reward = metrics.avg_reward === undefined ? '' : `, final average reward ${formatMetric('avg_reward', metrics.avg_reward)}`;
  return `Training of ${name} completed: ${formatNumber(done)} episodes${reward}. The run is saved.${heldoutText(data.held_out)}`;
}

function stoppedMessage({ scenario_name: name, episodes_completed: done }) {
  if (!done) {
    return `Training of ${name} stopped before its first episode ended, so nothing was saved; `
      + `an earlier model of ${name}, if any, is unchanged.`;
  }
  return `Training of ${name} stopped after ${formatNumber(done)} episodes. The run so far is saved.`;
}

function failedMessage(name, episode) {
  const when = episode ? `at episode ${formatNumber(episode)}` : 'before its first episode';
  return `Training of ${name} failed ${when}, and this run was not saved. Start it again; `
    + 'if it fails again, the technical details below help whoever runs the server.';
}

// The held-out result (in euros) the finished run's summary holds; null when it has none.
async function savedHeldout(runId) {
  if (!runId) return null;
  try {
    return (await api.run(runId)).held_out ?? null;
  } catch {
    return null; // the outcome is still shown, without the euros
  }
}

// Shows the status's running run and its progress so far.
async function followRun(status) {
  beginRun(startedOf(status), status.settings ?? null);
  if (status.phase !== undefined) view.setPhase(status.phase, status.phase_detail);
  const key = runKey;
  const progress = await api.progress();
  if (runKey !== key) return; // another run began meanwhile
  liveCharts.catchUp(progress);
  if (progress.length) view.update(progress[progress.length - 1]);
}

// A reloaded page (or one opened after a run ended) shows the last run, its outcome and
// charts; the form keeps what the person may be typing.
async function showLastRun(status) {
  const progress = await api.progress();
  if (runKey !== null) return; // a run began meanwhile
  runKey = keyOf(startedOf(status));
  runSettings = status.settings ?? null;
  runEnded = true;
  view.start(status.scenario_name, status.total_episodes, runSettings);
  liveCharts.reset(progress);
  if (progress.length) view.update(progress[progress.length - 1]);
  const done = status.current_episode;
  if (status.outcome === 'completed') {
    view.setState('completed');
    const held_out = await savedHeldout(status.run_id);
    if (runKey !== keyOf(startedOf(status))) return; // a run began meanwhile
    view.showOutcome(completedMessage({ scenario_name: status.scenario_name, episodes_completed: done,
      final_metrics: status.latest_progress ?? {}, held_out }));
    drawEvaluations(status.run_id, status.scenario_name, done);
  } else if (status.outcome === 'stopped') {
    view.setState('stopped');
    view.showOutcome(stoppedMessage({ scenario_name: status.scenario_name, episodes_completed: done }));
    drawEvaluations(status.run_id, status.scenario_name, done);
  } else {
    view.setState('error');
    view.showOutcome(failedMessage(status.scenario_name, done), status.error ? `Training failed: ${status.error}` : null);
  }
}

// Brings the page in line with the server's status after (re)connecting.
async function sync(status) {
  if (status.is_training) {
    await followRun(status);
  } else if (view.state === 'running' || view.state === 'stopping') {
    endRun('interrupted', 'warning', 'The run ended while this page was disconnected. Its model, if saved, is under Trained models.');
  } else if (view.state === 'idle' && status.scenario_name) {
    await showLastRun(status);
  }
}

// The token (if any) is read again for every connection attempt.
let sentToken = null;
const socket = io({
  path: '/socket.io',
  auth: (send) => {
    sentToken = savedToken();
    send(sentToken ? { token: sentToken } : {});
  },
});
function reopenSocket() {
  if (!socket.active) socket.connect();
}
socket.on('connect', async () => {
  setConnection('connected', 'Live');
  try {
    // Training events reach this page from the moment it connects; the answer is the
    // status, so a page opened (or reconnected) mid-run catches up with the run so far.
    await sync(await socket.emitWithAck('subscribe_training', {}));
  } catch (error) {
    showError(error);
  }
});
socket.on('disconnect', (reason) => {
  setConnection('reconnecting', 'Reconnecting…');
  if (reason === 'io server disconnect') socket.connect();
});
socket.on('connect_error', async (error) => {
  // While the socket is active, the error is the network's and the client retries by itself.
  // Otherwise the server refused the connection; status 401 means a missing or wrong token.
  if (socket.active || error.data?.status !== 401) return;
  setConnection('locked', 'Token needed');
  if (await askForToken(sentToken)) reopenSocket();
});
// A token entered for a start or stop opens a refused socket too.
onTokenEntered(reopenSocket);
socket.on('training_started', async (data) => {
  if (!runEnded && !followed(data)) return; // another run, while this page follows one
  beginRun(data);
  if (!runSettings) {
    // Started elsewhere: the status has the run's settings.
    const status = await api.status().catch(() => null);
    if (status?.is_training && status.settings && keyOf(status) === runKey) {
      beginRun(data, status.settings);
    }
  }
});
socket.on('training_progress', (data) => followed(data) && onProgress(data));
socket.on('training_diagnostics', (data) => followed(data) && liveDiagnostics.push(data));
socket.on('training_completed', (data) => followed(data) && endRun('completed', 'success', completedMessage(data), null, data));
socket.on('training_stopped', (data) => followed(data) && endRun('stopped', 'info', stoppedMessage(data), null, data));
socket.on('training_error', (data) => followed(data) && endRun('error', 'error',
  failedMessage(view.scenarioName, view.episode), `${data.message}: ${data.details}`));

async function start(config) {
  form.setStarting(true);
  try {
    const { data } = await api.start(config);
    const { scenario_name: name, ...settings } = config;
    beginRun(data, { ...settings, seed: settings.seed ?? null });
  } catch (error) {
    form.setStarting(false);
    showError(error);
  }
}

async function stop() {
  form.setStopping();
  view.setState('stopping');
  try {
    const { data } = await api.stop(runKey?.includes('@') ? null : runKey);
    // A run that completed just before the stop is reported by training_completed.
    if (data.status === 'stopped') endRun('stopped', 'info', stoppedMessage(data));
  } catch (error) {
    const running = (await api.status().catch(() => null))?.is_training ?? false;
    form.setRunning(running);
    if (running) view.setState('running');
    showError(error);
  }
}

// Every panel that shows households, from one read of the scenarios; the New run cards keep the
// followed run's scenario and settings.
async function showScenarios() {
  const scenarios = await api.scenarios();
  renderScenarios($('scenario-list'), scenarios);
  if (runKey) form.showRun(view.scenarioName, runSettings);
  runs.setScenarios(scenarios);
  households.render(scenarios);
  await Promise.all([simulate.render(scenarios), advice.render(scenarios)]);
}

// Every list of trained models and the Simulate and Advice pickers (which default to a household with a
// published model), read again after a run ends and after every publish ("hrl:published", from the Runs).
function refreshModelLists() {
  models.refresh();
  simulate.models.refresh();
  advice.models.refresh();
}
// (The Trained models list listens to publishes itself.)
onPublished(() => {
  simulate.models.refresh();
  advice.models.refresh();
});

// The page's address: the dashboard, a run's page or compared runs. Leaving the dashboard keeps its scroll
// position for the way back.
let homeScroll = 0;
function showRoute(route) {
  const home = $('home');
  if (!home.hidden && route.view !== 'home') homeScroll = window.scrollY;
  const wasHome = !home.hidden;
  home.hidden = route.view !== 'home';
  if (route.view === 'run') runPage.show(route.runId); else runPage.hide();
  if (route.view === 'compare') comparePage.show(route.runIds); else comparePage.hide();
  if (route.view === 'home') {
    document.title = view.tabTitle();
    if (onHome) onHome();
    else if (route.anchor) $(route.anchor).scrollIntoView({ block: 'start' });
    else if (!wasHome) window.scrollTo(0, homeScroll);
    onHome = null;
  } else {
    window.scrollTo(0, 0);
    $(route.view === 'run' ? 'run-page-title' : 'compare-title').focus({ preventScroll: true });
  }
}

showScenarios().catch(showError);
models.refresh();
runs.refresh();
followRoutes(showRoute);
