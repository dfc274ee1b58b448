// The documents list: filter rows by a participant attribute.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const values = JSON.parse(document.getElementById("attribute-values").textContent);
  const people = JSON.parse(document.getElementById("participant-attributes").textContent);
  const attr = document.getElementById("filter-attr");
  const value = document.getElementById("filter-value");
  const count = document.getElementById("filter-count");
  const rows = Array.from(document.querySelectorAll("table.documents tbody tr"));

  function fillValues() {
    const options = [new Option("(any value)", "")];
    for (const v of values[attr.value] || []) options.push(new Option(v, v));
    value.replaceChildren(...options);
  }

  function apply() {
    let shown = 0;
    for (const row of rows) {
      const ids = row.dataset.participants ? row.dataset.participants.split(" ") : [];
      const ok = !attr.value || !value.value || ids.some((p) =>
        people[p] && String(people[p].attributes[attr.value]) === value.value);
      row.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = shown + " of " + rows.length + " documents";
  }

  attr.addEventListener("change", () => { fillValues(); apply(); });
  value.addEventListener("change", apply);
  fillValues();
  apply();
});
