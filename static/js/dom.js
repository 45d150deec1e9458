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

// An <a href>; `data` fills its data-* attributes.
export function link(text, href, data = {}) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  Object.assign(a.dataset, data);
  return a;
}
