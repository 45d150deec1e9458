// The REST side of the training API (see the spec), as small fetch wrappers.
// The API token, once entered, goes with every request (only start and stop need it).
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

export async function request(method, path, body) {
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

export const api = {
  scenarios: async () => (await request('GET', '/api/scenarios')).scenarios,
  status: () => request('GET', '/api/training/status'),
  // Every training_progress row of the current (or last) run.
  progress: async () => (await request('GET', '/api/training/progress')).progress,
  // Both ask for the API token on a 401, then try again.
  start: (config) => withToken(() => request('POST', '/api/training/start', config)),
  // runId: the run to stop (needed in cluster mode when several train); none: the only one.
  stop: (runId) => withToken(() => request('POST', '/api/training/stop', runId ? { run_id: runId } : undefined)),
  models: async () => (await request('GET', '/api/models')).models,
  history: (name) => request('GET', `/api/models/${encodeURIComponent(name)}/history`),
  runs: async () => (await request('GET', '/api/runs?limit=100')).runs,
  run: (id) => request('GET', `/api/runs/${encodeURIComponent(id)}`),
  runHistory: (id, maxPoints) => request('GET', `/api/runs/${encodeURIComponent(id)}/history?max_points=${maxPoints}`),
  runArchiveUrl: (id) => `/api/runs/${encodeURIComponent(id)}/archive`,
  publishRun: (id) => withToken(() => request('POST', `/api/runs/${encodeURIComponent(id)}/publish`)),
  deleteRun: (id) => withToken(() => request('DELETE', `/api/runs/${encodeURIComponent(id)}`)),
};
