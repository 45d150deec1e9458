// Money on the households, simulation and advice views, through the page's one formatter
// (format.js: one locale for the whole page); every figure says nominal or today's euros.
import { formatEuro, formatPercent } from '../format.js';

export function formatMoney(value) {
  return formatEuro(value);
}

export function formatShare(value) {
  return formatPercent(value, 1);
}

// The end-of-training banner's held-out result, when the trainer sends one.
export function heldoutText(heldout) {
  if (!heldout || heldout.median_real_net_worth === undefined) return '';
  return ` On held-out households: median real net worth at the end ${formatMoney(heldout.median_real_net_worth)} `
    + `(today's euros; 5th percentile ${formatMoney(heldout.p5_real_net_worth)}), ${formatShare(heldout.share_broke)} went broke.`;
}
