// The drill scenario editor: each inject row shows the fields of its kind (an alert's format, service and
// payload; a hint's or prompt's text). Without this script every field shows and the server keeps what the
// kind needs.
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

  function init(root) {
    root.querySelectorAll("[data-inject]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-inject-kind]")) {
      var row = target.closest("[data-inject]");
      if (row) sync(row);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-drill-editor]");
    if (form) init(form);
  });
})();
