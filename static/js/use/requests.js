// REST calls of the households, simulations and advice views (writes ask for the token on a 401).
import { withToken } from '../access.js';
import { request } from '../api.js';

const path = (name) => encodeURIComponent(name);

export const useApi = {
  scenarios: async () => (await request('GET', '/api/scenarios')).scenarios,
  scenario: (name) => request('GET', `/api/scenarios/${path(name)}`),
  createHousehold: (body) => withToken(() => request('POST', '/api/scenarios', body)),
  updateHousehold: (name, body) => withToken(() => request('PUT', `/api/scenarios/${path(name)}`, body)),
  deleteHousehold: (name) => withToken(() => request('DELETE', `/api/scenarios/${path(name)}`)),
  models: async () => (await request('GET', '/api/models')).models,
  simulate: (body) => withToken(() => request('POST', '/api/simulations', body)),
  simulations: async () => (await request('GET', '/api/simulations')).simulations,
  simulation: (id) => request('GET', `/api/simulations/${path(id)}`),
  deleteSimulation: (id) => withToken(() => request('DELETE', `/api/simulations/${path(id)}`)),
  advice: (body) => request('POST', '/api/advice', body),
};
