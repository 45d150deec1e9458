// Money on the households, simulation and advice views: one locale (fr-FR, "3 500 €", as the
// server's sentences and reports write it), and every figure says nominal or today's euros.
const euro = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const share = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });

export function formatMoney(value) {
  return euro.format(value);
}

export function formatShare(value) {
  return share.format(value);
}

// The end-of-training banner's held-out result, when the trainer sends one.
export function heldoutText(heldout) {
  if (!heldout) return '';
  return ` On held-out households: median real net worth at the end ${formatMoney(heldout.median_real_net_worth)} `
    + `(today's euros; 5th percentile ${formatMoney(heldout.p5_real_net_worth)}), ${formatShare(heldout.share_broke)} went broke.`;
}
