// Every REST call of the page (see the spec and the OpenAPI document), as small fetch wrappers: the one
// module that talks to the server over HTTP. The API token, once entered, goes with every request;
// the calls that change something ask for it on a 401 and try again (access.js withToken).
// When the server does not answer at all, the page says so ("hrl:server" events, shown by banner.js): a read
// waits and tries again until it answers; a change is not sent twice, it fails with words, and the page keeps
// asking the server's status until it answers again.
import { savedToken, withToken } from './access.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.errors = body.errors || null;
  }

  // The message followed by each field's messages, for a banner.
  describe() {
    if (!this.errors) return this.message;
    const details = Object.entries(this.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
    return `${this.message} (${details.join('; ')})`;
  }
}

export const UNREACHABLE = 'Server unreachable, retrying…';
const RETRY_MS = [1000, 2000, 4000, 5000];
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
let reachable = true;
let probing = null;

function announce(answers) {
  if (reachable === answers) return;
  reachable = answers;
  document.dispatchEvent(new CustomEvent('hrl:server', { detail: { reachable: answers } }));
}

// While the server does not answer, asks for its status every few seconds until it does.
function probe() {
  probing ??= (async () => {
    for (let attempt = 0; !reachable; attempt += 1) {
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      try {
        await fetch('/api/training/status', { headers: { Accept: 'application/json' } });
        announce(true);
      } catch {
        // still unreachable
      }
    }
    probing = null;
  })();
}

// fetch, but a network failure (no answer at all) is told to the page; a GET is tried again until it answers.
async function send(path, init) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await fetch(path, init);
      announce(true);
      return response;
    } catch {
      announce(false);
      probe();
      if (init.method !== 'GET') throw new ApiError(0, { message: `${UNREACHABLE} Try this again once it answers.` });
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
    }
  }
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' } };
  const token = savedToken();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await send(path, init);
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

const part = (value) => encodeURIComponent(value);
const guarded = (method, path, body) => withToken(() => request(method, path, body));

export const api = {
  // The defaults and bounds of every form's fields
  settings: () => request('GET', '/api/settings'),
  // Training
  status: () => request('GET', '/api/training/status'),
  // Every training_progress row of the current (or last) run.
  progress: async () => (await request('GET', '/api/training/progress')).progress,
  start: (config) => guarded('POST', '/api/training/start', config),
  // runId: the run to stop (needed in cluster mode when several train); none: the only one.
  stop: (runId) => guarded('POST', '/api/training/stop', runId ? { run_id: runId } : undefined),
  // Published models
  models: async () => (await request('GET', '/api/models')).models,
  history: (name) => request('GET', `/api/models/${part(name)}/history`),
  publications: (name) => request('GET', `/api/models/${part(name)}/publications`),
  // Runs. query: GET /api/runs's filters and order ({scenario_name, status, q, tag, sort, order}).
  runs: async (query = {}) => (await request('GET', `/api/runs?${new URLSearchParams({ limit: 100, ...query })}`)).runs,
  run: (id) => request('GET', `/api/runs/${part(id)}`),
  runHistory: (id, maxPoints) => request('GET', `/api/runs/${part(id)}/history?max_points=${maxPoints}`),
  runHistoryCsvUrl: (id) => `/api/runs/${part(id)}/history.csv`,
  runArchiveUrl: (id) => `/api/runs/${part(id)}/archive`,
  // changes: any of {name, notes, tags}
  updateRun: (id, changes) => guarded('PATCH', `/api/runs/${part(id)}`, changes),
  // reason: 'manual' (by hand, the server's default) | 'undo' (publishing again the run a publish replaced)
  publishRun: (id, reason) => guarded('POST', `/api/runs/${part(id)}/publish`, reason ? { reason } : undefined),
  deleteRun: (id) => guarded('DELETE', `/api/runs/${part(id)}`),
  // Households (scenarios)
  scenarios: async () => (await request('GET', '/api/scenarios')).scenarios,
  scenario: (name) => request('GET', `/api/scenarios/${part(name)}`),
  createHousehold: (body) => guarded('POST', '/api/scenarios', body),
  updateHousehold: (name, body) => guarded('PUT', `/api/scenarios/${part(name)}`, body),
  deleteHousehold: (name) => guarded('DELETE', `/api/scenarios/${part(name)}`),
  // Simulations and advice
  policies: () => request('GET', '/api/policies'),
  simulate: (body) => guarded('POST', '/api/simulations', body),
  simulations: async () => (await request('GET', '/api/simulations')).simulations,
  simulation: (id) => request('GET', `/api/simulations/${part(id)}`),
  simulationReportUrl: (id) => `/api/simulations/${part(id)}/report`,
  simulationTableUrl: (id) => `/api/simulations/${part(id)}/table.csv`,
  deleteSimulation: (id) => guarded('DELETE', `/api/simulations/${part(id)}`),
  advice: (body) => request('POST', '/api/advice', body),
};
