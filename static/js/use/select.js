// Fills a household <select> with the scenarios, keeping the choice when it still exists.
export function fillHouseholdSelect(select, scenarios) {
  const chosen = select.value;
  select.replaceChildren(...scenarios.map((s) => new Option(s.name, s.name)));
  if (scenarios.some((s) => s.name === chosen)) select.value = chosen;
}
