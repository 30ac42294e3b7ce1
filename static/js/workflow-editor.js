/* The workflow editor (templates/workflows/workflow_form.html). The page works without this script: rows are
 * added, removed and moved by the server (buttons named `op`), over htmx when it runs (only the rows are swapped)
 * and as a whole page otherwise. This script keeps the page usable while that happens:
 * - after the rows are swapped, the focus goes where the person expects (the new row, the moved step's button,
 *   the add button after a removal) and the live validation runs again on the new rows;
 * - leaving the page with unsaved changes asks first. */
(() => {
  "use strict";
  const form = document.querySelector("form[data-workflow-editor]");
  if (!form) return;
  let dirty = false;
  let lastOp = "";

  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail.elt;
    if (!form.contains(elt) || elt === form) return;
    lastOp = elt.name === "op" ? elt.value : "refresh:" + (elt.id || "");
  });

  const focusFirstControl = (row) => {
    const control = row && row.querySelector("select, input:not([type=hidden]), textarea");
    if (control) control.focus();
  };

  document.body.addEventListener("htmx:afterSettle", (event) => {
    const rows = document.getElementById("workflow-rows");
    if (!rows || event.detail.elt !== rows && !rows.contains(event.detail.elt)) return;
    const [verb, position] = lastOp.split(":");
    lastOp = "";
    if (verb === "add-condition" || verb === "add-action") {
      const list = rows.querySelectorAll(verb === "add-condition" ? "#conditions .wf-item" : "#actions .wf-item");
      focusFirstControl(list[list.length - 1]);
    } else if (verb === "up-action" || verb === "down-action") {
      const moved = Number(position) + (verb === "up-action" ? -1 : 1);
      const button = rows.querySelector(`#action-${moved} button[value^="${verb}"]`);
      const fallback = rows.querySelector(`#action-${moved} button[value^="${verb === "up-action" ? "down" : "up"}-action"]`);
      (button && !button.disabled ? button : fallback)?.focus();
    } else if (verb === "remove-condition" || verb === "remove-action") {
      rows.querySelector(`button[value="${verb === "remove-condition" ? "add-condition" : "add-action"}"]`)?.focus();
    } else if (verb === "refresh" && position) {
      document.getElementById(position)?.focus();
    }
    dirty = true;
    // The rows changed: check them again (the form's own hx-trigger is "change").
    window.htmx?.trigger(form, "change");
  });
})();
