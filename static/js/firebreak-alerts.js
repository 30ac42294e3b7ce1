/* Firebreak alert pages (the triage queue and an alert group's page). Small, dependency-free, no build;
 * firebreak-live.js does the socket state, times and the CSRF token of pushed forms.
 *
 * - Rows pushed to the queue: one already shown replaces itself in place; a new one goes on top when it fits
 *   the queue's filters (service, severity, status) and the first page is shown; otherwise it is dropped.
 * - Counts pushed with the rows are org-wide: the sidebar badge and the "unanswered" banner always take them;
 *   a queue filtered by service or severity keeps its own tab counts and fetches them again (at most once a
 *   second) instead of showing the org's.
 * - Silences end on time without a push: an element with data-hides-at disappears at that instant and one
 *   with data-shows-at appears ("Silenced until 14:30" gives way to "Paging on-call").
 */
(() => {
  "use strict";

  function fits(body, row) {
    if (body.dataset.liveInsert === "off") return false;
    if (body.dataset.service && row.dataset.service !== body.dataset.service) return false;
    if (body.dataset.severity && row.dataset.severity !== body.dataset.severity) return false;
    const status = body.dataset.status || "open";
    if (status === "open") return row.dataset.status !== "resolved";
    return status === "all" || row.dataset.status === status;
  }

  function takeRows(detail) {
    const body = detail.target;
    for (const row of Array.from(detail.fragment.querySelectorAll("tr[id]"))) {
      const existing = document.getElementById(row.id);
      if (existing) {
        existing.replaceWith(row);
        row.classList.add("is-updated");
        if (window.htmx) window.htmx.process(row);
      } else if (!fits(body, row)) {
        row.remove();
      } else {
        row.classList.add("is-new");
      }
    }
    if (!detail.fragment.querySelector("tr")) {
      detail.shouldSwap = false;
      return;
    }
    const table = document.getElementById("alert-table");
    if (table) table.hidden = false;
    const empty = document.getElementById("alert-empty");
    if (empty) empty.remove();
  }

  // --- tab counts of a queue filtered by service or severity -------------------------------------------------

  let countsTimer = null;

  function refreshScopedCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(() => {
      if (!window.htmx) return;
      window.htmx.ajax("GET", location.pathname + location.search, {
        target: "#queue-tabs", select: "#queue-tabs", swap: "outerHTML",
      });
    }, 1000);
  }

  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const target = event.detail.target;
    if (!target) return;
    if (target.id === "alert-rows") {
      takeRows(event.detail);
    } else if (target.id.startsWith("queue-count-") && target.closest("[data-scoped-counts]")) {
      event.detail.shouldSwap = false; // the org's count, not this filtered queue's
      refreshScopedCounts();
    }
  });

  // --- states that end at a known time ------------------------------------------------------------------------

  let stateTimer = null;

  function applyTimedStates() {
    clearTimeout(stateTimer);
    const now = Date.now();
    let next = Infinity;
    document.querySelectorAll("[data-hides-at], [data-shows-at]").forEach((el) => {
      const hides = Date.parse(el.dataset.hidesAt || "");
      const shows = Date.parse(el.dataset.showsAt || "");
      if (!Number.isNaN(hides)) {
        el.hidden = now >= hides;
        if (hides > now) next = Math.min(next, hides);
      }
      if (!Number.isNaN(shows)) {
        el.hidden = now < shows;
        if (shows > now) next = Math.min(next, shows);
      }
    });
    // Timers are clamped for long delays; look again at least every minute.
    if (next !== Infinity) stateTimer = setTimeout(applyTimedStates, Math.min(next - now + 50, 60000));
  }

  document.addEventListener("htmx:wsAfterMessage", applyTimedStates);
  document.addEventListener("htmx:afterSettle", applyTimedStates);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", applyTimedStates);
  else applyTimedStates();
})();
