// The one banner at the top of the page: run outcomes and request errors.
const banner = document.getElementById('banner');
const text = document.getElementById('banner-text');

document.getElementById('banner-close').addEventListener('click', hideBanner);

// kind: 'success' | 'info' | 'warning' | 'error'
export function showBanner(kind, message) {
  banner.dataset.kind = kind;
  banner.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  text.textContent = message;
  banner.hidden = false;
}

export function hideBanner() {
  banner.hidden = true;
}
