// A finished run's held-out result in words (the end-of-training text, the run page, the Runs list): the
// households the model never trained on, in euros, and the model against the tuned target-liquidity rules
// on the same households. Every comparison names its measure, unit and statistic, and its verdict is the
// API's, from that very number.
import { formatEuro, formatNumber, formatShare } from './format.js';

const RULE_NAMES = { target_liquidity_2: 'the 2-number target-liquidity rule', target_liquidity_4: 'the 4-number target-liquidity rule' };
const SHORT_RULE_NAMES = { target_liquidity_2: 'the 2-number rule', target_liquidity_4: 'the 4-number rule' };
const MEASURES = { real_net_worth: 'real net worth', reward: 'reward', total_spending: 'total spending' };
// The measure a run's held-out verdicts are given in: euros of real net worth at the end.
export const HELDOUT_MEASURE = 'real_net_worth';

const isEuro = (unit) => ['€', 'EUR', 'eur', 'euro', 'euros'].includes(unit);

// A verdict's words, for those who read "ahead of", "level with" and "behind".
export const VERDICT_WORDS = { ahead: 'ahead of', level: 'level with', behind: 'behind' };

// A paired comparison {measure, unit, statistic, households, mean, se, verdict} from the API's record
// (older records: {diff, stderr}, without a verdict: then the same 2-standard-error rule on the same number).
export function comparison(record, measure, households = null) {
  const mean = record.mean ?? record.diff;
  const se = record.se ?? record.stderr;
  let verdict = record.verdict;
  if (!verdict) verdict = mean > 2 * se ? 'ahead' : mean < -2 * se ? 'behind' : 'level';
  return {
    measure: record.measure ?? measure,
    unit: record.unit ?? (measure === 'reward' ? '' : '€'),
    statistic: record.statistic ?? 'mean_paired_difference',
    households: record.households ?? households,
    mean,
    se,
    verdict,
  };
}

// A number of a comparison's unit: euros, else plain with 2 decimals.
function amount(value, unit) {
  return isEuro(unit) ? formatEuro(value) : formatNumber(value, 2);
}

function signed(value, unit) {
  const text = amount(value, unit);
  return value >= 0 ? `+${text}` : text;
}

// "+€258 ± €67 (mean paired difference in real net worth ± standard error, over 200 households)"
export function comparisonText({ measure, unit, statistic, households, mean, se }) {
  const what = statistic === 'mean_paired_difference' ? 'mean paired difference' : statistic.replaceAll('_', ' ');
  const over = households ? `, over ${formatNumber(households)} households` : '';
  return `${signed(mean, unit)} ± ${amount(se, unit)} `
    + `(${what} in ${MEASURES[measure] ?? measure.replaceAll('_', ' ')} ± standard error${over})`;
}

// The model against each tuned rule, in `measure`: [{rule, name, short, comparison}].
export function ruleComparisons(held_out, measure = HELDOUT_MEASURE) {
  return Object.entries(held_out?.rules ?? {}).filter(([, { paired }]) => paired?.[measure]).map(([rule, { paired }]) => ({
    rule,
    name: RULE_NAMES[rule] ?? rule,
    short: SHORT_RULE_NAMES[rule] ?? rule,
    comparison: comparison(paired[measure], measure, held_out.households),
  }));
}

// The model minus each target-liquidity rule on the same held-out households, when the run has them.
export function rulesText(held_out) {
  const parts = ruleComparisons(held_out).map(({ name, comparison: c }) => `${VERDICT_WORDS[c.verdict]} ${name}: ${comparisonText(c)}`);
  if (!parts.length) return '';
  return ` Against the tuned rules on the same households, the model is ${parts.join('; ')}.`;
}

// The end-of-training text's held-out result, when the trainer sends one.
export function heldoutText(held_out) {
  if (!held_out || held_out.median_real_net_worth === undefined) return '';
  return ` On held-out households: median real net worth at the end ${formatEuro(held_out.median_real_net_worth)} `
    + `(today's euros; 5th percentile ${formatEuro(held_out.p5_real_net_worth)}), ${formatShare(held_out.share_broke)} went broke.`
    + rulesText(held_out);
}
