// Every REST call of the page (see the spec and the OpenAPI document), as small fetch wrappers: the one
// module that talks to the server over HTTP. The API token, once entered, goes with every request;
// the calls that change something ask for it on a 401 and try again (access.js withToken).
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

async function request(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' } };
  const token = savedToken();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
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
  deleteSimulation: (id) => guarded('DELETE', `/api/simulations/${part(id)}`),
  advice: (body) => request('POST', '/api/advice', body),
};
