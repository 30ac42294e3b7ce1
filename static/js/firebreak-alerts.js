/* Firebreak alert pages (the triage queue and an alert group's page). Small, dependency-free, no build;
 * firebreak-live.js (loaded first) does the socket state and the CSRF token of pushed forms, and takes pushed
 * rows and counts by the rules given here.
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

  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const target = event.detail.target;
    const live = window.firebreakLive;
    if (!target || !live) return;
    if (target.id === "alert-rows") {
      live.takeRows(event.detail, { tableId: "alert-table", emptyId: "alert-empty", fits });
    } else if (target.id.startsWith("queue-count-") && target.closest("[data-scoped-counts]")) {
      live.refetchOwn(event.detail, "#queue-tabs"); // the org's count, not this filtered queue's
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
