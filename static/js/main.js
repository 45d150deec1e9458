// Dashboard entry point: wires the REST calls and Socket.IO events to the views.
import { io } from '../vendor/socket.io-client/socket.io.esm.min.js';
import { askForToken, onTokenEntered, savedToken } from './access.js';
import { api } from './api.js';
import { hideBanner, showBanner } from './banner.js';
import { ChartGroup } from './charts.js';
import { formatNumber } from './format.js';
import { ModelBrowser } from './models.js';
import { RunsTable } from './runs.js';
import { RunView } from './runview.js';
import { renderScenarios } from './scenarios.js';

const $ = (id) => document.getElementById(id);
const form = $('start-form');
const startButton = $('start-button');
const stopButton = $('stop-button');

const view = new RunView();
const liveCharts = new ChartGroup($('live-charts'));
const models = new ModelBrowser(reportError);
const runs = new RunsTable({ onError: reportError, onStarted: (data) => beginRun(data), startSettings });
let runKey = null;

function reportError(error) {
  showBanner('error', error.describe ? error.describe() : error.message);
}

function setConnection(state, text) {
  $('connection').dataset.state = state;
  $('connection').textContent = text;
}

function setRunning(running) {
  startButton.disabled = running;
  stopButton.disabled = !running;
}

// Called for the start response, training_started and a status showing a run:
// only a run not seen before clears the progress and charts.
function beginRun({ scenario_name: scenarioName, num_episodes: total, start_time: startTime }) {
  const key = `${scenarioName}@${startTime}`;
  setRunning(true);
  if (key === runKey) return;
  runKey = key;
  hideBanner();
  liveCharts.reset();
  view.start(scenarioName, total);
}

function endRun(state, kind, message) {
  setRunning(false);
  view.setState(state);
  showBanner(kind, message);
  models.refresh();
  runs.refresh();
}

function onProgress(progress) {
  view.update(progress);
  liveCharts.push(progress);
}

function completedMessage({ scenario_name: name, episodes_completed: done, final_metrics: metrics }) {
  return `Training of ${name} completed: ${done} episodes, final average reward ${formatNumber(metrics.avg_reward, 2)}. The model is saved.`;
}

function stoppedMessage({ scenario_name: name, episodes_completed: done }) {
  return `Training of ${name} stopped after ${done} episodes. The model so far is saved.`;
}

// Brings the page in line with the server's status after (re)connecting.
async function sync(status) {
  if (status.is_training) {
    beginRun({ scenario_name: status.scenario_name, num_episodes: status.total_episodes, start_time: status.start_time });
    const history = await api.progress();
    liveCharts.catchUp(history);
    if (history.length) view.update(history[history.length - 1]);
  } else if (view.state === 'running') {
    endRun('interrupted', 'warning', 'The run ended while this page was disconnected. Its model, if saved, is under Trained models.');
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
    // The answer is the status, sent once this page is in the training room:
    // no event can fall between the status and the live updates.
    await sync(await socket.emitWithAck('subscribe_training', {}));
  } catch (error) {
    reportError(error);
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
socket.on('training_started', beginRun);
socket.on('training_progress', onProgress);
socket.on('training_completed', (data) => endRun('completed', 'success', completedMessage(data)));
socket.on('training_stopped', (data) => endRun('stopped', 'info', stoppedMessage(data)));
socket.on('training_error', (data) => endRun('error', 'error', `${data.message}: ${data.details}`));

// The New run form's numbers (for a new run, or for resuming one from the runs table).
function startSettings() {
  const fields = new FormData(form);
  const config = {};
  for (const name of ['num_episodes', 'save_interval', 'eval_episodes', 'seed']) {
    if (fields.get(name) !== '') config[name] = Number(fields.get(name));
  }
  return config;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const config = { scenario_name: new FormData(form).get('scenario_name'), ...startSettings() };
  startButton.disabled = true;
  try {
    beginRun((await api.start(config)).data);
  } catch (error) {
    setRunning(false);
    reportError(error);
  }
});

stopButton.addEventListener('click', async () => {
  stopButton.disabled = true;
  try {
    const { data } = await api.stop();
    // A run that completed just before the stop is reported by training_completed.
    if (data.status === 'stopped') endRun('stopped', 'info', stoppedMessage(data));
  } catch (error) {
    setRunning(view.state === 'running');
    reportError(error);
  }
});

api.scenarios().then((scenarios) => renderScenarios($('scenario-list'), scenarios)).catch(reportError);
models.refresh();
runs.refresh();
