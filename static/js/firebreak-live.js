/* Firebreak live pages (incident list and incident page). Small, dependency-free, no build.
 *
 * - Running durations are kept fresh (times themselves are shown in the viewer's zone by firebreak-time.js).
 * - Websocket (htmx ws extension): on every (re)connect the incident page asks for the events it has
 *   not seen ({"catch_up_after": <newest event id shown>}); an event that is already on the page is
 *   replaced in place instead of being shown twice; pinned events are mirrored into the pinned list.
 * - The incident list: a row that is already shown is replaced in place; filtered or paged lists do not
 *   take new rows. The org's incident count comes with every row; a filtered list fetches its own.
 * - Forms in pushed fragments carry no CSRF token: one is added at submit from <body hx-headers>.
 */
(() => {
  "use strict";

  function duration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    if (days) return hours ? `${days}d ${hours}h` : `${days}d`;
    if (hours) return minutes ? `${hours}h ${minutes}m` : `${hours}h`;
    if (minutes) return `${minutes}m`;
    return `${total % 60}s`;
  }

  function localise(root) {
    (root || document).querySelectorAll("[data-duration-start]").forEach((el) => {
      const start = new Date(el.dataset.durationStart);
      if (!Number.isNaN(start.getTime())) el.textContent = duration(Date.now() - start.getTime());
    });
  }

  // --- the incident page's timeline --------------------------------------------------------------

  function newestEventId() {
    const list = document.getElementById("timeline-events");
    if (!list) return 0;
    let newest = Number(list.dataset.after || 0);
    list.querySelectorAll(":scope > article[data-event-id]").forEach((el) => {
      newest = Math.max(newest, Number(el.dataset.eventId));
    });
    return newest;
  }

  function mirrorPinned(article) {
    const pinned = document.getElementById("timeline-pinned");
    if (!pinned) return;
    const copyId = `pinned-event-${article.dataset.eventId}`;
    const existing = document.getElementById(copyId);
    if (article.classList.contains("is-pinned")) {
      const copy = article.cloneNode(true);
      copy.id = copyId;
      copy.classList.remove("is-new");
      if (existing) existing.replaceWith(copy);
      else pinned.querySelector(".section-title").after(copy);
    } else if (existing) {
      existing.remove();
    }
    pinned.hidden = !pinned.querySelector("article") || pinned.dataset.paused === "true";
  }

  function takeTimelineEvents(detail) {
    const list = detail.target;
    const kind = list.dataset.kind || "";
    const paused = list.hasAttribute("data-paused");
    const incoming = Array.from(detail.fragment.querySelectorAll("article[data-event-id]"));
    for (const article of incoming) {
      list.dataset.after = String(Math.max(Number(list.dataset.after || 0), Number(article.dataset.eventId)));
      mirrorPinned(article);
      if (SIDE_KINDS.has(article.dataset.kind)) scheduleSideRefresh();
      const existing = list.querySelector(`:scope > #${CSS.escape(article.id)}`);
      if (existing) {
        existing.replaceWith(article); // the same event again (a pin, a catch-up overlap): update in place
        if (window.htmx) window.htmx.process(article);
      } else if ((kind && article.dataset.kind !== kind) || paused) {
        article.remove(); // filtered out, or an older page is shown
      } else {
        article.classList.add("is-new");
      }
    }
    if (!detail.fragment.querySelector("article")) detail.shouldSwap = false;
    else list.querySelectorAll(".tl-empty").forEach((el) => el.remove());
  }

  // Roles, tasks, services and milestones are not pushed as such: after an event that changes them, the
  // side column is fetched again (not while the person is typing in it).
  const SIDE_KINDS = new Set([
    "declared", "status_changed", "fields_changed", "services_changed", "milestone_changed",
    "role_assigned", "role_released", "task_added", "task_assigned", "task_completed", "task_reopened",
    "alert_attached",
  ]);
  let sideTimer = null;
  let sidePending = false;

  function refreshSide() {
    const side = document.getElementById("incident-side");
    if (!side || !window.htmx) return;
    if (side.contains(document.activeElement) && document.activeElement !== document.body) {
      sidePending = true;
      return;
    }
    sidePending = false;
    window.htmx.ajax("GET", `${location.pathname}?part=side`, { target: "#incident-side", swap: "outerHTML" });
  }

  function scheduleSideRefresh() {
    clearTimeout(sideTimer);
    sideTimer = setTimeout(refreshSide, 250);
  }

  document.addEventListener("focusout", (event) => {
    const side = document.getElementById("incident-side");
    if (!sidePending || !side || !side.contains(event.target)) return;
    setTimeout(() => {
      if (!side.contains(document.activeElement)) scheduleSideRefresh();
    }, 0);
  });

  function dedupeTimeline() {
    const list = document.getElementById("timeline-events");
    if (!list) return;
    const seen = new Set();
    list.querySelectorAll(":scope > article[data-event-id]").forEach((el) => {
      if (seen.has(el.id)) el.remove(); // the first copy is the newest one
      else seen.add(el.id);
    });
  }

  function refreshTitle() {
    const summary = document.getElementById("incident-summary");
    const page = document.querySelector(".incident-page");
    if (!summary || !page) return;
    document.querySelectorAll("[data-live-title]").forEach((el) => {
      el.textContent = summary.dataset.title;
    });
    document.title = `${page.dataset.reference} ${summary.dataset.title} · ${page.dataset.orgName}`;
  }

  // --- the incident list --------------------------------------------------------------------------

  // Pushed rows for a list's <tbody>: a row already shown is replaced in place (and its pushed forms wired); a
  // new one stays, on top, only when `fits(body, row)`; the table shows and the empty state goes once a row is in.
  function takeRows(detail, { tableId, emptyId, fits }) {
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
    const table = document.getElementById(tableId);
    if (table) table.hidden = false;
    const empty = document.getElementById(emptyId);
    if (empty) empty.remove();
  }

  // A count pushed with the rows is the org's; a filtered page refuses it and fetches its own again (once a
  // second at most): the same page, of which only `selector` is swapped.
  const refetchTimers = {};

  function refetchOwn(detail, selector) {
    detail.shouldSwap = false;
    clearTimeout(refetchTimers[selector]);
    refetchTimers[selector] = setTimeout(() => {
      if (window.htmx) {
        window.htmx.ajax("GET", location.pathname + location.search, { target: selector, select: selector, swap: "outerHTML" });
      }
    }, 1000);
  }

  // --- wiring ---------------------------------------------------------------------------------------

  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const id = event.detail.target && event.detail.target.id;
    if (id === "timeline-events") takeTimelineEvents(event.detail);
    else if (id === "incident-rows") {
      takeRows(event.detail, {
        tableId: "incident-table", emptyId: "incident-empty", fits: (body) => body.dataset.liveInsert !== "off",
      });
    } else if (id === "incident-count" && event.detail.target.hasAttribute("data-filtered")) {
      refetchOwn(event.detail, "#incident-count");
    }
  });

  document.addEventListener("htmx:wsOpen", (event) => {
    setLiveState(event.target, "open");
    if (event.target.id === "timeline") {
      event.detail.socketWrapper.send(JSON.stringify({ catch_up_after: newestEventId() }));
    }
  });
  document.addEventListener("htmx:wsClose", (event) => setLiveState(event.target, "closed"));
  document.addEventListener("htmx:wsConnecting", (event) => setLiveState(event.target, "connecting"));

  document.addEventListener("htmx:wsAfterMessage", () => {
    dedupeTimeline();
    refreshTitle();
    localise(document);
  });
  document.addEventListener("htmx:afterSwap", () => localise(document));

  function setLiveState(element, state) {
    const indicator = element && element.querySelector && element.querySelector(".live-indicator");
    if (!indicator) return;
    indicator.dataset.state = state;
    const text = indicator.querySelector(".live-text");
    if (text) text.textContent = { open: "Live", closed: "Offline — reconnecting", connecting: "Connecting…" }[state];
  }

  // Forms pushed over the websocket have no CSRF token field; add the page's token when they are sent.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
    try {
      const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"];
      if (!token) return;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      input.value = token;
      form.appendChild(input);
    } catch (_) {
      /* no token on the page: the server will refuse the post */
    }
  }, true);

  // A select marked data-autosubmit submits its form on change (its button stays for no-JS use).
  document.addEventListener("change", (event) => {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // Ctrl/Cmd+Enter in a composer textarea submits it.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches(".composer textarea")) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });

  // Reconnect fast after a blip (0.5-1 s), backing off to at most 10 s while the server is away.
  if (window.htmx) {
    window.htmx.config.wsReconnectDelay = (retries) => Math.min(1000 * 2 ** Math.min(retries, 4), 10000) * (0.5 + Math.random() / 2);
  }

  document.documentElement.classList.add("js");
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => localise(document));
  else localise(document);
  setInterval(() => localise(document), 30000);

  window.firebreakLive = { localise, newestEventId, takeRows, refetchOwn };
})();
