// The server's defaults and bounds of a form's fields (GET /api/settings), given to the form's inputs:
// the page writes none of its own. A field the API may leave out starts at the API's default (empty when the
// server chooses, as a random seed); a required one without a default starts at its lowest value.
const given = (value) => value !== undefined && value !== null;

// table: {field name: {default, min, max, choices}}, one form's part of the answer.
export function applyFieldSettings(form, table) {
  for (const [name, field] of Object.entries(table)) {
    const input = form.elements.namedItem(name);
    if (!input) continue;
    if (field.choices && input instanceof HTMLSelectElement) {
      // A choice the page words (an <option> of the template) keeps its words.
      const words = new Map([...input.options].map((option) => [option.value, option.textContent]));
      input.replaceChildren(...field.choices.map((choice) => new Option(words.get(choice) ?? choice, choice)));
    }
    if (given(field.min)) input.min = String(field.min);
    if (given(field.max)) input.max = String(field.max);
    if (given(field.default)) input.value = String(field.default);
    else if (input.required && given(field.min)) input.value = String(field.min);
  }
}
