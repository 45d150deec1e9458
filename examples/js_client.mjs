#!/usr/bin/env node
// Trains a model through the HRL training API and follows it live over Socket.IO.
//
//   npm ci
//   node examples/js_client.mjs --url http://127.0.0.1:8000 --scenario bologna_coppia --episodes 20
//
// Exit status: 0 when the run completes, 1 on an API or training error, 2 on a timeout.
// It disconnects as soon as the run ends (completed, stopped or failed).
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8000' },
    scenario: { type: 'string', default: 'bologna_coppia' },
    episodes: { type: 'string', default: '20' },
    'save-interval': { type: 'string', default: '10' },
    'eval-episodes': { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    timeout: { type: 'string', default: '600' },
  },
});

async function api(method, path, body) {
  const response = await fetch(new URL(path, args.url), {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok) {
    throw new Error(`${method} ${path} -> ${response.status}: ${payload.message} ${JSON.stringify(payload.errors ?? {})}`);
  }
  return payload;
}

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

const socket = io(args.url, { path: '/socket.io' });
setTimeout(() => fail(`Timed out after ${args.timeout} s`, 2), Number(args.timeout) * 1000).unref();

socket.on('connect_error', (error) => console.error(`Connection problem: ${error.message}, retrying`));
socket.on('connection_established', (data) => console.log(`Connected: ${data.message} (sid ${data.sid})`));
socket.on('training_started', (data) => {
  console.log(`Training started: ${data.scenario_name}, ${data.num_episodes} episodes at ${data.start_time}`);
});
socket.on('training_progress', (p) => {
  console.log(
    `Episode ${p.episode}/${p.total_episodes}  reward ${p.avg_reward.toFixed(2)}  cash ${p.avg_cash.toFixed(0)}  ` +
      `invested ${p.avg_invested.toFixed(0)}  stability ${p.stability.toFixed(3)}  goal ${p.goal_adherence.toFixed(4)}`,
  );
});
socket.on('training_stopped', (data) => fail(`Training stopped after ${data.episodes_completed} episodes`));
socket.on('training_error', (data) => fail(`Training failed: ${data.message} (${data.details})`));
socket.on('training_completed', async (data) => {
  console.log(`Training completed: ${data.scenario_name} (${data.episodes_completed} episodes)`);
  console.log(`Final metrics: ${JSON.stringify(data.final_metrics)}`);
  const history = await api('GET', `/api/models/${data.scenario_name}/history`);
  console.log(`Saved history: ${history.progress.length} progress rows, finished at ${history.finished_at}`);
  socket.disconnect();
});

socket.once('connect', async () => {
  try {
    // Every connected client receives the training events; the answer is the current status.
    await socket.emitWithAck('subscribe_training', {});
    const scenario = await api('GET', `/api/scenarios/${args.scenario}`);
    console.log(
      `Scenario ${scenario.name}: income ${scenario.monthly_income}, expenses ${scenario.monthly_expenses}, ` +
        `margin ${scenario.monthly_margin} per month`,
    );
    const started = await api('POST', '/api/training/start', {
      scenario_name: args.scenario,
      num_episodes: Number(args.episodes),
      save_interval: Number(args['save-interval']),
      eval_episodes: Number(args['eval-episodes']),
      seed: Number(args.seed),
    });
    console.log(started.message);
  } catch (error) {
    fail(error.message);
  }
});
