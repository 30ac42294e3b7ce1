// The drill scenario editor: each inject row shows the fields of its kind (an alert's format, service and
// payload; a hint's or prompt's text), and changing an alert's format swaps the example payload for that
// format's while the payload is still an untouched example. Without this script every field shows and the server
// keeps what the kind needs.
(function () {
  "use strict";

  function sync(row) {
    var select = row.querySelector("[data-inject-kind]");
    if (!select) return;
    var kind = select.value;
    row.setAttribute("data-kind", kind);
    row.querySelectorAll("[data-for-kind]").forEach(function (field) {
      var kinds = field.getAttribute("data-for-kind").split(" ");
      field.hidden = kinds.indexOf(kind) === -1;
    });
  }

  var examples = {};
  var source = document.getElementById("drill-payload-examples");
  if (source) {
    try { examples = JSON.parse(source.textContent); } catch (e) { examples = {}; }
  }

  function pretty(value) { return JSON.stringify(value, null, 2); }

  function isExample(text) {
    var normalized;
    try { normalized = JSON.stringify(JSON.parse(text)); } catch (e) { return false; }
    return Object.keys(examples).some(function (key) { return JSON.stringify(examples[key]) === normalized; });
  }

  function swapExample(select) {
    var row = select.closest("[data-inject]");
    var payload = row && row.querySelector("textarea[name$='-payload']");
    if (!payload || !examples[select.value]) return;
    if (!payload.value.trim() || isExample(payload.value)) payload.value = pretty(examples[select.value]);
  }

  function init(root) {
    root.querySelectorAll("[data-inject]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-inject-kind]")) {
      var row = target.closest("[data-inject]");
      if (row) sync(row);
    }
    if (target && target.matches && target.matches("select[name$='-format']")) swapExample(target);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-drill-editor]");
    if (form) init(form);
  });
})();
