/* Declaring an incident: choosing a type pre-selects its default severity and says what it adds (the server
 * does the same for ?type=). The types come from <script type="application/json" id="incident-type-data">;
 * the select is named by the hint's data-type-select, and data-fallback is the text without a type. */
(() => {
  "use strict";
  const hint = document.getElementById("incident-type-hint");
  const data = document.getElementById("incident-type-data");
  if (!hint || !data) return;
  const select = document.getElementById(hint.dataset.typeSelect);
  if (!select) return;
  const types = JSON.parse(data.textContent);
  const fallback = hint.dataset.fallback || "";
  const describe = (type) => {
    hint.replaceChildren();
    if (!type) { hint.textContent = fallback; return; }
    const parts = [];
    if (type.description) parts.push(type.description);
    if (type.severity) parts.push(`Pre-selects ${type.severity}.`);
    parts.push(type.checklist.length
      ? `Adds ${type.checklist.length} task${type.checklist.length === 1 ? "" : "s"} for the commander:`
      : "Adds no tasks.");
    hint.append(parts.join(" "));
    if (type.checklist.length) {
      const list = document.createElement("ul");
      list.className = "incident-type-tasks";
      for (const item of type.checklist) list.append(Object.assign(document.createElement("li"), { textContent: item }));
      hint.append(list);
    }
  };
  select.addEventListener("change", () => {
    const type = types[select.value];
    if (type && type.severity) {
      const radio = [...document.querySelectorAll('input[name="severity"]')].find((r) => r.value === type.severity);
      if (radio) radio.checked = true;
    }
    describe(type);
  });
})();
