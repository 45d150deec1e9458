// Every number, money amount, percentage, duration and date on the page, in one locale: the first of
// the browser's languages that the product speaks (SUPPORTED_LOCALES, by language: en-US is written as
// en-GB), else FALLBACK_LOCALE. Cards, chart ticks, hover values, tables and sentences all format through
// this module (the page's one formatter). The server writes the report and the advice sentence with the same
// rules in the same locale (hrl_trainer/common/money.py); tests/trainer/formats.json holds what both write.
export const SUPPORTED_LOCALES = ['en-GB', 'it-IT'];
export const FALLBACK_LOCALE = 'en-GB';

// The first of `languages` (most wanted first) that the product speaks, else FALLBACK_LOCALE.
export function pickLocale(languages) {
  for (const language of languages.filter(Boolean)) {
    const wanted = language.split(/[-_]/)[0].toLowerCase();
    const found = SUPPORTED_LOCALES.find((locale) => locale.split('-')[0] === wanted);
    if (found) return found;
  }
  return FALLBACK_LOCALE;
}

const browser = globalThis.navigator;
export let LOCALE = pickLocale(browser ? (browser.languages?.length ? [...browser.languages] : [browser.language]) : []);

const formatters = new Map();

// Writes from now on in `locale` (one of SUPPORTED_LOCALES): for tests that check every locale.
export function setLocale(locale) {
  LOCALE = locale;
  formatters.clear();
}

// One Intl.NumberFormat per set of options, built on first use; no "-0" (signDisplay: negative).
function numberFormat(options) {
  const key = JSON.stringify(options);
  if (!formatters.has(key)) formatters.set(key, new Intl.NumberFormat(LOCALE, { signDisplay: 'negative', ...options }));
  return formatters.get(key);
}

function fixed(digits) {
  return { minimumFractionDigits: digits, maximumFractionDigits: digits };
}

// Euro amounts, the euro sign placed as the locale places it (€30,757 or 30.757 €); `signed`: +€40.
export function formatEuro(value, digits = 0, signed = false) {
  const sign = signed ? { signDisplay: 'exceptZero' } : {};
  return numberFormat({ style: 'currency', currency: 'EUR', ...fixed(digits), ...sign }).format(value);
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
  return share === null || share === undefined ? '–' : formatPercent(share, 1);
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

// The page's one date format: "3 Mar 2025, 14:05" (en-GB), "3 mar 2025, 14:05" (it-IT), in the browser's
// time zone (or `timeZone`, an IANA name such as 'UTC').
export function formatDateTime(iso, timeZone = undefined) {
  return new Date(iso).toLocaleString(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone });
}

// Decimals that tell apart ticks `step` apart (a step of 0.05 needs 2, of 2.5 needs 1, of 500 none).
function stepDigits(step) {
  if (!(step > 0)) return 0;
  const fraction = String(Number(step.toPrecision(6))).split('.')[1] ?? '';
  return Math.min(6, fraction.length);
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
