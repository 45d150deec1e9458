// Messages: the one toast at the bottom of the screen (run outcomes and request errors),
// and the message blocks it shares with the run panel: a headline saying what happened
// and what to do, and any technical details folded away in a disclosure.
import { button } from './dom.js';

const banner = document.getElementById('banner');
const body = document.getElementById('banner-body');

document.getElementById('banner-close').addEventListener('click', hideBanner);

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
  if (kind === 'error') banner.focus();
}

// A failed request (or any error) as an error toast: an ApiError names the fields it refused.
export function showError(error) {
  showBanner('error', error.describe ? error.describe() : error.message);
}

export function hideBanner() {
  banner.hidden = true;
}
