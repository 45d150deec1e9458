// Messages: the one toast at the bottom of the screen (run outcomes and request errors),
// and the message blocks it shares with the run panel: a headline saying what happened
// and what to do, and any technical details folded away in a disclosure. Success and info toasts close by
// themselves (not while the pointer or the focus is on them); warnings and errors stay until dismissed.
import { button } from './dom.js';

const banner = document.getElementById('banner');
const body = document.getElementById('banner-body');

// How long a success or info toast stays: longer when it offers an action (Undo, say).
export const CLOSES_AFTER_MS = 6000;
export const CLOSES_AFTER_WITH_ACTIONS_MS = 15000;
const SERVER_UNREACHABLE = 'Server unreachable, retrying…';
let closing = null; // {timer, remaining, started}

document.getElementById('banner-close').addEventListener('click', hideBanner);

function stopClosing() {
  if (closing?.timer) clearTimeout(closing.timer);
}

function closeIn(ms) {
  stopClosing();
  closing = { remaining: ms, started: performance.now(), timer: setTimeout(hideBanner, ms) };
  banner.dataset.closes = 'auto';
}

// Held while the pointer or the focus is on the toast, the rest of its time given back after.
function holdClosing() {
  if (!closing?.timer) return;
  stopClosing();
  closing = { remaining: closing.remaining - (performance.now() - closing.started), timer: null };
}

function resumeClosing() {
  if (closing && !closing.timer && !banner.matches(':hover, :focus-within')) closeIn(Math.max(closing.remaining, 1500));
}

banner.addEventListener('pointerenter', holdClosing);
banner.addEventListener('focusin', holdClosing);
banner.addEventListener('pointerleave', resumeClosing);
banner.addEventListener('focusout', resumeClosing);

// The headline as a paragraph, then `details` (if any) in a closed <details>.
export function messageBlock(message, details) {
  const headline = document.createElement('p');
  headline.className = 'message';
  headline.textContent = message;
  if (!details) return [headline];
  const disclosure = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Technical details';
  const text = document.createElement('pre');
  text.textContent = details;
  disclosure.append(summary, text);
  return [headline, disclosure];
}

// kind: 'success' | 'info' | 'warning' | 'error'. An error takes the keyboard focus, so the
// person reads it where they are (and a screen reader announces it). actions: buttons under the
// message, [{label, onClick, data}] (an Undo, say); pressing one closes the toast first.
export function showBanner(kind, message, details = null, actions = []) {
  banner.dataset.kind = kind;
  banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  body.replaceChildren(...messageBlock(message, details));
  if (actions.length) {
    const row = document.createElement('div');
    row.className = 'banner-actions';
    row.append(...actions.map(({ label, onClick, data = {} }) => button(label, () => {
      hideBanner();
      onClick();
    }, { data })));
    body.append(row);
  }
  banner.dataset.actions = String(actions.length);
  banner.hidden = false;
  stopClosing();
  closing = null;
  delete banner.dataset.closes;
  if (kind === 'success' || kind === 'info') closeIn(actions.length ? CLOSES_AFTER_WITH_ACTIONS_MS : CLOSES_AFTER_MS);
  if (kind === 'error') banner.focus();
}

// A failed request (or any error) as an error toast: an ApiError names the fields it refused.
export function showError(error) {
  showBanner('error', error.describe ? error.describe() : error.message);
}

export function hideBanner() {
  stopClosing();
  closing = null;
  banner.hidden = true;
}

// The REST client (api.js) says when the server stops or starts answering: a toast that stays while it
// does not, replaced by a short one when it answers again.
document.addEventListener('hrl:server', ({ detail }) => {
  if (!detail.reachable) showBanner('warning', SERVER_UNREACHABLE);
  else if (!banner.hidden && body.textContent.startsWith(SERVER_UNREACHABLE)) showBanner('success', 'The server answers again.');
});
