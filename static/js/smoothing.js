// The smoothing of every chart (an exponential moving average, as TensorBoard's slider):
// one weight for the whole page, kept in localStorage across reloads.
const STORAGE_KEY = 'hrl-smoothing';
const DEFAULT_WEIGHT = 0.6;
const MAX_WEIGHT = 0.99;
const listeners = new Set();

function stored() {
  const value = Number(localStorage.getItem(STORAGE_KEY) ?? DEFAULT_WEIGHT);
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), MAX_WEIGHT) : DEFAULT_WEIGHT;
}

let weight = stored();

export function smoothingWeight() {
  return weight;
}

// listener() runs after each change of the weight; returns what stops it.
export function onSmoothingChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSmoothingWeight(value) {
  weight = Math.min(Math.max(Number(value) || 0, 0), MAX_WEIGHT);
  localStorage.setItem(STORAGE_KEY, String(weight));
  listeners.forEach((listener) => listener());
}

// values (n,) -> (n,): the debiased EMA TensorBoard draws; weight 0 returns the values.
export function smooth(values, w = weight) {
  if (w <= 0) return values;
  const out = new Array(values.length);
  let last = 0;
  let debias = 1;
  for (let i = 0; i < values.length; i++) {
    last = last * w + (1 - w) * values[i];
    debias *= w;
    out[i] = last / (1 - debias);
  }
  return out;
}

// A "Smoothing" slider (0 to 0.99) with its value, wired to the shared weight: <label class="smoothing">, whose
// detach() stops it following the weight (when it is removed).
export function smoothingControl() {
  const label = document.createElement('label');
  label.className = 'smoothing';
  const input = document.createElement('input');
  input.type = 'range';
  input.min = '0';
  input.step = '0.01';
  input.max = String(MAX_WEIGHT);
  const output = document.createElement('output');
  label.append('Smoothing ', input, output);
  const show = () => {
    input.value = String(weight);
    output.textContent = weight.toFixed(2);
  };
  input.addEventListener('input', () => setSmoothingWeight(input.value));
  label.detach = onSmoothingChange(show);
  show();
  return label;
}
