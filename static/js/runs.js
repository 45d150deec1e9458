// The Runs list: GET /api/runs filtered (scenario, status, a search of names, tags and notes, a tag) and
// sorted (the column headings, or "Sort by" where the headings are hidden: on a phone each run is a card).
// Each run links to its page; its actions: Publish, Resume, Download and Delete (asks first). Ticking 2 to 8
// runs compares them (#/compare/...).
import { api } from './api.js';
import { $, button, cell, confirmAction, link } from './dom.js';
import { formatDateTime, formatNumber } from './format.js';
import { VERDICT_WORDS, ruleComparisons } from './heldout.js';
import { formatMetric } from './metrics.js';
import { announcePublished, onPublished, publishByHand } from './publish.js';
import { compareHref, navigate, runHref } from './router.js';
import { durationText, isActive, isFinished, runName, settingsText } from './runmeta.js';

export { isFinished } from './runmeta.js';

export const MIN_COMPARED = 2;
export const MAX_COMPARED = 8;
const DEFAULT_SORT = 'started_at:desc';
const SEARCH_DELAY_MS = 250;
const COLUMNS = 11;

// "ahead of the 2-number rule · level with the 4-number rule": the run against the tuned rules in held-out reward,
// the measure of the Held-out column, with the API's verdicts.
export function heldoutVerdicts(held_out) {
  return ruleComparisons(held_out, 'reward').map(({ short, comparison }) => `${VERDICT_WORDS[comparison.verdict]} ${short}`);
}

// A cell with a label for the card layout (the phone's, where the headings are hidden).
function labelled(label, content, className = '') {
  const td = typeof content === 'string' ? cell(content, className) : cell('', className);
  if (typeof content !== 'string') td.append(...[].concat(content));
  td.dataset.label = label;
  return td;
}

function tagList(tags, onTag) {
  const list = document.createElement('span');
  list.className = 'tags';
  list.append(...(tags ?? []).map((tag) => {
    const chip = button(tag, () => onTag(tag), { className: 'tag', data: { tag } });
    chip.setAttribute('aria-label', `Show the runs tagged ${tag}`);
    return chip;
  }));
  return list;
}

export class RunsList {
  // onResume(run): Resume was pressed (the New run form takes the run's settings); onError(error).
  constructor({ onError, onResume }) {
    this.onError = onError;
    this.onResume = onResume;
    this.section = $('runs');
    this.body = $('runs-table').querySelector('tbody');
    this.form = $('runs-filter');
    this.selected = new Set();
    this.byId = new Map();
    this.tag = null;
    this.request = 0;
    $('runs-refresh').addEventListener('click', () => this.refresh());
    $('runs-compare').addEventListener('click', () => navigate(compareHref([...this.selected])));
    this.form.addEventListener('submit', (event) => event.preventDefault());
    this.form.addEventListener('change', () => this.refresh());
    let typing = null;
    this.form.elements.q.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.refresh(), SEARCH_DELAY_MS);
    });
    $('runs-tag-clear').addEventListener('click', () => this.filterTag(null));
    for (const heading of this.section.querySelectorAll('th[data-sort]')) {
      heading.querySelector('button').addEventListener('click', () => this.sortBy(heading.dataset.sort));
    }
    onPublished(() => this.refresh());
    this.showSort();
  }

  // The scenarios offered by the filter (the choice kept when it still exists).
  setScenarios(scenarios) {
    const select = this.form.elements.scenario_name;
    const chosen = select.value;
    select.replaceChildren(new Option('All scenarios', ''), ...scenarios.map((s) => new Option(s.name, s.name)));
    if (scenarios.some((s) => s.name === chosen)) select.value = chosen;
  }

  // GET /api/runs's query: only what differs from the defaults.
  query() {
    const fields = this.form.elements;
    const query = {};
    for (const name of ['scenario_name', 'status']) if (fields[name].value) query[name] = fields[name].value;
    const q = fields.q.value.trim();
    if (q) query.q = q;
    if (this.tag) query.tag = this.tag;
    if (fields.sort.value !== DEFAULT_SORT) [query.sort, query.order] = fields.sort.value.split(':');
    return query;
  }

  // A heading was pressed: that column, the other way round if it was already the order.
  sortBy(field) {
    const select = this.form.elements.sort;
    const [current, order] = select.value.split(':');
    const next = current === field ? (order === 'asc' ? 'desc' : 'asc') : (field === 'name' || field === 'scenario_name' ? 'asc' : 'desc');
    if (![...select.options].some((option) => option.value === `${field}:${next}`)) {
      select.append(new Option(`${field} (${next})`, `${field}:${next}`));
    }
    select.value = `${field}:${next}`;
    this.showSort();
    this.refresh();
  }

  // The headings say which column orders the list, and which way (aria-sort).
  showSort() {
    const [field, order] = this.form.elements.sort.value.split(':');
    for (const heading of this.section.querySelectorAll('th[data-sort]')) {
      if (heading.dataset.sort === field) heading.setAttribute('aria-sort', order === 'asc' ? 'ascending' : 'descending');
      else heading.removeAttribute('aria-sort');
    }
  }

  filterTag(tag) {
    this.tag = tag;
    $('runs-tag-filter').hidden = !tag;
    $('runs-tag-name').textContent = tag ?? '';
    this.refresh();
  }

  async refresh() {
    const request = ++this.request;
    this.showSort();
    try {
      const runs = await api.runs(this.query());
      if (request !== this.request) return; // a newer refresh is under way
      this.byId = new Map(runs.map((run) => [run.run_id, run]));
      this.body.replaceChildren(...(runs.length ? runs.map((run) => this.row(run)) : [this.emptyRow()]));
      this.section.dataset.runs = String(runs.length);
      this.updateCompareButton();
    } catch (error) {
      if (request === this.request) this.onError(error);
    }
  }

  emptyRow() {
    const tr = document.createElement('tr');
    const filtered = Object.keys(this.query()).some((key) => key !== 'sort' && key !== 'order');
    const td = cell(filtered ? 'No run matches these filters.' : 'No runs yet.', 'muted');
    td.colSpan = COLUMNS;
    tr.append(td);
    return tr;
  }

  picker(run) {
    const pick = document.createElement('input');
    pick.type = 'checkbox';
    pick.checked = this.selected.has(run.run_id);
    pick.setAttribute('aria-label', `Compare ${runName(run)}`);
    pick.disabled = !run.episodes_completed;
    pick.addEventListener('change', () => {
      if (pick.checked && this.selected.size >= MAX_COMPARED) {
        pick.checked = false;
        this.onError(new Error(`Compare at most ${MAX_COMPARED} runs at a time.`));
        return;
      }
      if (pick.checked) this.selected.add(run.run_id); else this.selected.delete(run.run_id);
      this.updateCompareButton();
    });
    return pick;
  }

  actions(run) {
    const finished = isFinished(run);
    const name = runName(run);
    const named = (element, verb) => {
      element.setAttribute('aria-label', `${verb} ${name}`);
      return element;
    };
    const items = [];
    if (finished && !run.published) {
      items.push(named(button('Publish', () => publishByHand(run), { data: { action: 'publish' } }), 'Publish'));
    }
    if (finished) items.push(named(button('Resume', () => this.onResume(run), { data: { action: 'resume' } }), 'Resume'));
    if (finished) {
      const download = named(link('Download', api.runArchiveUrl(run.run_id), { action: 'download' }), 'Download');
      download.download = `${run.run_id}.zip`;
      download.className = 'button-link';
      items.push(download);
    }
    if (!isActive(run)) items.push(named(button('Delete', () => this.remove(run), { data: { action: 'delete' } }), 'Delete'));
    return items;
  }

  row(run) {
    const tr = document.createElement('tr');
    tr.dataset.run = run.run_id;
    tr.dataset.status = run.status;
    tr.dataset.published = String(run.published);
    const name = [link(runName(run), runHref(run.run_id), { action: 'open' })];
    if (run.tags?.length) name.push(tagList(run.tags, (tag) => this.filterTag(tag)));
    const status = [run.status];
    if (run.published) status.push(Object.assign(document.createElement('span'), { className: 'published-mark', textContent: '★ published' }));
    const heldout = [formatMetric('avg_reward', run.held_out?.avg_reward)];
    const verdicts = heldoutVerdicts(run.held_out);
    if (verdicts.length) heldout.push(Object.assign(document.createElement('small'), { className: 'verdicts', textContent: verdicts.join(' · ') }));
    const row = Object.assign(document.createElement('div'), { className: 'run-actions' });
    row.append(...this.actions(run));
    const actions = labelled('Actions', [row], 'run-actions-cell');
    tr.append(
      labelled('Compare', [this.picker(run)], 'run-pick'),
      labelled('Run', name, 'run-name'),
      labelled('Scenario', run.scenario_name),
      labelled('Status', status, 'run-status'),
      labelled('Episodes', run.episodes_completed === null || run.episodes_completed === undefined ? '–' : formatNumber(run.episodes_completed)),
      labelled('Seed', String(run.seed ?? '–')),
      labelled('Started', run.started_at ? formatDateTime(run.started_at) : '–'),
      labelled('Duration', durationText(run)),
      labelled('Final reward', formatMetric('avg_reward', run.final_metrics?.avg_reward)),
      labelled('Held-out reward', heldout, 'run-heldout'),
      actions,
    );
    tr.title = settingsText(run);
    return tr;
  }

  updateCompareButton() {
    const n = this.selected.size;
    const compare = $('runs-compare');
    compare.disabled = n < MIN_COMPARED;
    compare.textContent = n >= MIN_COMPARED ? `Compare ${n} runs` : `Compare (tick ${MIN_COMPARED} to ${MAX_COMPARED})`;
  }

  async remove(run) {
    try {
      if (!(await deleteAsking(run))) return;
      this.selected.delete(run.run_id);
      await this.refresh();
    } catch (error) {
      this.onError(error);
    }
  }
}

// Deletes a run after asking; true once deleted. Deleting the published run publishes another (or none): then
// every list and picker reads again (PUBLISHED).
export async function deleteAsking(run) {
  const note = run.published ? ' It is the published model: the newest other finished run of the scenario, if any, replaces it.' : '';
  if (!(await confirmAction(`Delete run ${runName(run)} (${run.run_id})? Its agents, history and checkpoints are removed.${note}`))) return false;
  const { data } = await api.deleteRun(run.run_id);
  if (run.published) {
    announcePublished({
      scenario_name: run.scenario_name, run_id: data?.published_run_id ?? null, publication: data?.publication ?? null,
      deleted: run.run_id,
    });
  }
  return true;
}
