// The API token a server may require (HRL_API_TOKEN) to start or stop runs and to open Socket.IO:
// asked for once in a small form, then kept in sessionStorage for this tab's session.
const STORAGE_KEY = 'hrl-api-token';
const dialog = document.getElementById('token-dialog');
const input = document.getElementById('token-input');
const problem = document.getElementById('token-problem');
const listeners = [];
let pending = null;

export function savedToken() {
  return sessionStorage.getItem(STORAGE_KEY);
}

// listener(token) runs each time a token is entered.
export function onTokenEntered(listener) {
  listeners.push(listener);
}

function showProblem(shown) {
  problem.hidden = !shown;
  input.setAttribute('aria-invalid', String(shown));
}

dialog.addEventListener('close', () => {
  const token = dialog.returnValue === 'save' ? input.value.trim() : null;
  input.value = '';
  if (token) sessionStorage.setItem(STORAGE_KEY, token);
  pending.resolve(token);
  pending = null;
  if (token) listeners.forEach((listener) => listener(token));
});

// Called after the server refused `sent` (the token sent, or null). Resolves to the token to try
// next, or null when the person cancels. Several callers at once share one form; a token the
// server rejected is forgotten and the form says so.
export function askForToken(sent) {
  const current = savedToken();
  if (current !== null && current !== sent) return Promise.resolve(current); // entered meanwhile
  if (!pending) {
    showProblem(false);
    let resolve;
    pending = { promise: new Promise((done) => { resolve = done; }), resolve };
    dialog.returnValue = '';
    dialog.showModal();
  }
  if (current !== null) {
    sessionStorage.removeItem(STORAGE_KEY);
    showProblem(true);
  }
  return pending.promise;
}

// Runs `action` (a request that may answer 401) with the token, asking for it on a 401 and
// trying again; a cancelled form lets the 401 through.
export async function withToken(action) {
  for (;;) {
    const sent = savedToken();
    try {
      return await action();
    } catch (error) {
      if (error.status !== 401 || (await askForToken(sent)) === null) throw error;
    }
  }
}
