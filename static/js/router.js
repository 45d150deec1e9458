// The page's addresses, in the URL's hash so they can be shared and the back button works:
//   #/                       the dashboard
//   #/runs                   the dashboard, at the Runs list
//   #/runs/{run_id}          a run's page
//   #/compare/{id},{id},...  runs compared
const ROUTES = [
  { pattern: /^#\/runs\/([a-z0-9_-]+)$/, route: ([runId]) => ({ view: 'run', runId }) },
  { pattern: /^#\/compare\/([a-z0-9_,-]+)$/, route: ([ids]) => ({ view: 'compare', runIds: ids.split(',').filter(Boolean) }) },
  { pattern: /^#\/runs$/, route: () => ({ view: 'home', anchor: 'runs' }) },
];

// The route of a hash: {view: 'home' | 'run' | 'compare', runId?, runIds?, anchor?}.
export function parseRoute(hash = window.location.hash) {
  for (const { pattern, route } of ROUTES) {
    const match = pattern.exec(hash);
    if (match) return route(match.slice(1).map(decodeURIComponent));
  }
  return { view: 'home' };
}

export const runHref = (runId) => `#/runs/${encodeURIComponent(runId)}`;
export const compareHref = (runIds) => `#/compare/${runIds.map(encodeURIComponent).join(',')}`;
export const RUNS_HREF = '#/runs';

export function navigate(href) {
  window.location.hash = href;
}

// show(route) now and after each change of the address (links, the back and forward buttons).
export function followRoutes(show) {
  window.addEventListener('hashchange', () => show(parseRoute()));
  show(parseRoute());
}
