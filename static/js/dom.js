// The element lookup, table cells and buttons every panel uses (text through textContent only).

export const $ = (id) => document.getElementById(id);

export function cell(text, className = '') {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// A <button type="button">; `data` fills its data-* attributes (data: {action: 'delete'}).
export function button(text, onClick, { className = '', data = {} } = {}) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  if (className) b.className = className;
  Object.assign(b.dataset, data);
  b.addEventListener('click', onClick);
  return b;
}

// Asks before something is deleted or undone: a modal dialog saying what will happen, Cancel focused first.
// Resolves true when the person confirms; false on Cancel or Escape. Every delete of the page asks through it.
export function confirmAction(message, { confirm = 'Delete', title = 'Are you sure?' } = {}) {
  const dialog = document.createElement('dialog');
  dialog.className = 'confirm-dialog';
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.setAttribute('aria-describedby', 'confirm-message');
  const form = document.createElement('form');
  form.method = 'dialog';
  const heading = Object.assign(document.createElement('h2'), { id: 'confirm-title', textContent: title });
  const text = Object.assign(document.createElement('p'), { id: 'confirm-message', textContent: message });
  const actions = Object.assign(document.createElement('div'), { className: 'actions' });
  const no = Object.assign(document.createElement('button'), { value: 'cancel', textContent: 'Cancel', className: 'confirm-cancel' });
  const yes = Object.assign(document.createElement('button'), { value: 'confirm', textContent: confirm, className: 'danger confirm-ok' });
  actions.append(no, yes);
  form.append(heading, text, actions);
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    }, { once: true });
    dialog.showModal();
    no.focus();
  });
}

// The message slot of a form field (a .field-error the field names in aria-describedby), made when missing.
function errorSlot(form, element) {
  const known = document.getElementById(element.getAttribute('aria-describedby') ?? '');
  if (known) return known;
  const slot = Object.assign(document.createElement('span'), { className: 'field-error', id: `${form.id}-error-${element.name}` });
  (element.closest('label') ?? element.parentElement).append(slot);
  element.setAttribute('aria-describedby', slot.id);
  return slot;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
}

// The server's refusal (ApiError.errors: field -> messages) beside each field of `form` it names, the first
// such field focused; returns "field: message" for the fields the form does not have.
export function showFieldErrors(form, errors) {
  clearFieldErrors(form);
  const unplaced = [];
  let first = null;
  for (const [field, messages] of Object.entries(errors ?? {})) {
    const text = [].concat(messages).join(' ');
    const element = form.elements[field];
    if (!element?.name) {
      unplaced.push(`${field}: ${text}`);
      continue;
    }
    errorSlot(form, element).textContent = text;
    element.setAttribute('aria-invalid', 'true');
    first ??= element;
  }
  first?.focus();
  return unplaced;
}

// Each body cell of `table` labelled with its column's heading (data-label), so that on a phone a row reads as
// a card of "heading: value" lines (CSS: table.cards-on-phone).
export function labelCells(table) {
  const headings = [...table.querySelectorAll('thead th')].map((th) => th.dataset.short ?? th.textContent.trim());
  for (const row of table.tBodies[0]?.rows ?? []) {
    [...row.cells].forEach((td, i) => {
      if (headings[i]) td.dataset.label = headings[i];
    });
  }
}

// A refused request shown on its form: each field's messages beside the field, the request's message and any
// field the form lacks in the form's error line (`line`). A failure that names no field goes to `otherwise`
// (a toast).
export function showRefusal(form, line, error, otherwise) {
  if (!error.errors) {
    otherwise(error);
    return;
  }
  const unplaced = showFieldErrors(form, error.errors);
  line.textContent = [error.message, ...unplaced].join(' ');
  line.hidden = false;
}

// An <a href>; `data` fills its data-* attributes.
export function link(text, href, data = {}) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  Object.assign(a.dataset, data);
  return a;
}
