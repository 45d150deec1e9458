// Every number, money amount, percentage, duration and date on the page, in one locale:
// the browser's first supported language, else FALLBACK_LOCALE. Cards, chart ticks, hover
// values, tables and sentences all format through this module (the page's one formatter).
const FALLBACK_LOCALE = 'en-GB';

function pickLocale() {
  const wanted = (navigator.languages?.length ? navigator.languages : [navigator.language]).filter(Boolean);
  try {
    return Intl.NumberFormat.supportedLocalesOf(wanted)[0] || FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE; // a malformed language tag
  }
}

export const LOCALE = pickLocale();

const formatters = new Map();

// One Intl.NumberFormat per set of options, built on first use.
function numberFormat(options) {
  const key = JSON.stringify(options);
  if (!formatters.has(key)) formatters.set(key, new Intl.NumberFormat(LOCALE, options));
  return formatters.get(key);
}

function fixed(digits) {
  return { minimumFractionDigits: digits, maximumFractionDigits: digits };
}

// Euro amounts, the euro sign placed as the locale places it (€30,757 or 30.757 €).
export function formatEuro(value, digits = 0) {
  return numberFormat({ style: 'currency', currency: 'EUR', ...fixed(digits) }).format(value);
}

export function formatNumber(value, digits = 0) {
  return numberFormat(fixed(digits)).format(value);
}

// A share (0.985) as a percentage (98.5 %, or 98,5 % in Italian).
export function formatPercent(share, digits = 0) {
  return numberFormat({ style: 'percent', ...fixed(digits) }).format(share);
}

// A share as the households, simulation and advice views show it: one decimal (98.5 %).
export function formatShare(share) {
  return formatPercent(share, 1);
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${formatNumber(seconds, 1)}s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function formatDateTime(iso) {
  return new Date(iso).toLocaleString(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
}

// Decimals that tell apart ticks `step` apart (a step of 0.05 needs 2).
function stepDigits(step) {
  return step > 0 && step < 1 ? Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)) : 0;
}

// Formats a value of a given kind: 'euro' | 'percent' (a share) | 'number' | 'integer' | 'duration' (seconds).
export function formatAs(kind, value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (kind === 'euro') return formatEuro(value, digits);
  if (kind === 'percent') return formatPercent(value, digits);
  if (kind === 'duration') return formatDuration(value);
  return formatNumber(value, kind === 'integer' ? 0 : digits);
}

// Axis tick labels of a kind, with as many decimals as the tick step needs.
export function formatTicks(kind, values, step) {
  const digits = stepDigits(kind === 'percent' ? step * 100 : step);
  return values.map((value) => formatAs(kind, value, digits));
}
