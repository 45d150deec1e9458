// A finished run's held-out result in words, for the end-of-training banner: the households the model
// never trained on, in euros, and the model against the target-liquidity rules on the same households.
import { formatEuro, formatNumber, formatShare } from './format.js';

const RULE_NAMES = { target_liquidity_2: '2 numbers', target_liquidity_4: '4 numbers' };

function signed(text, value) {
  return value >= 0 ? `+${text}` : text;
}

// A paired difference's verdict, as the server drew it from that very number (hrl_trainer/evaluation/paired.py);
// a result saved before the server sent verdicts gets the same rule: more than 2 standard errors either side, or level.
function verdict({ diff, stderr, verdict: drawn }) {
  if (drawn) return drawn;
  if (diff > 2 * stderr) return 'ahead';
  if (diff < -2 * stderr) return 'behind';
  return 'level';
}

// The model minus each target-liquidity rule on the same held-out households, when the run has them.
export function rulesText(rules) {
  const parts = Object.entries(rules ?? {}).map(([name, { paired }]) => {
    const worth = paired.real_net_worth;
    const reward = paired.reward;
    return `${RULE_NAMES[name] ?? name}: ${verdict(worth)}, net worth ${signed(formatEuro(worth.diff), worth.diff)} `
      + `± ${formatEuro(worth.stderr)}, reward ${signed(formatNumber(reward.diff, 2), reward.diff)} ± ${formatNumber(reward.stderr, 2)}`;
  });
  if (!parts.length) return '';
  return ` Against the target-liquidity rules on the same households (model minus rule ± standard error): ${parts.join('; ')}.`;
}

// The end-of-training banner's held-out result, when the trainer sends one.
export function heldoutText(held_out) {
  if (!held_out || held_out.median_real_net_worth === undefined) return '';
  return ` On held-out households: median real net worth at the end ${formatEuro(held_out.median_real_net_worth)} `
    + `(today's euros; 5th percentile ${formatEuro(held_out.p5_real_net_worth)}), ${formatShare(held_out.share_broke)} went broke.`
    + rulesText(held_out.rules);
}
