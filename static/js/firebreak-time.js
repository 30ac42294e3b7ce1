/* Firebreak times: every <time data-time="datetime|date|time|relative" datetime="…Z"> the server rendered
 * (core/timefmt.py, the {% datetime %} tag) is shown in the viewer's time zone, in the one format:
 *   datetime  Dec 6, 20:55 (this year) · Dec 6, 2025, 20:55 (another year)
 *   date      Dec 6, 2026
 *   time      20:55
 *   relative  just now · 12 min ago · 3 h ago · 4 days ago · in 5 min · the datetime form beyond 30 days
 * The zone is the one in the person's profile (<meta name="firebreak-tz">), or the browser's when the
 * profile has none. The title keeps the exact UTC time the server wrote. Calendar dates (<time> without
 * data-time) are never shifted.
 *
 * The server writes UTC so that fragments pushed live are the same for everybody; this script rewrites
 * them on load and whenever anything is added to the page (htmx swaps, out-of-band swaps, websocket
 * messages, other scripts), through one MutationObserver. Relative ages are refreshed every 30 s.
 * No dependency, no build step. window.firebreakTime.render(root) re-renders on demand.
 */
(() => {
  "use strict";

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const RELATIVE_LIMIT_MS = 30 * 86400 * 1000;

  function validZone(name) {
    if (!name) return null;
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: name });
      return name;
    } catch (_) {
      return null;
    }
  }

  const meta = document.querySelector('meta[name="firebreak-tz"]');
  const ZONE = validZone(meta && meta.content) || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const PARTS = new Intl.DateTimeFormat("en-US", {
    timeZone: ZONE, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
    hourCycle: "h23",
  });

  // The wall-clock fields of an instant in ZONE.
  function inZone(date) {
    const parts = {};
    for (const part of PARTS.formatToParts(date)) parts[part.type] = Number(part.value);
    return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute };
  }

  const pad = (n) => String(n).padStart(2, "0");
  const dateText = (t) => `${MONTHS[t.month - 1]} ${t.day}, ${t.year}`;
  const timeText = (t) => `${pad(t.hour)}:${pad(t.minute)}`;

  function datetimeText(t, now) {
    const day = `${MONTHS[t.month - 1]} ${t.day}` + (t.year !== inZone(now).year ? `, ${t.year}` : "");
    return `${day}, ${timeText(t)}`;
  }

  function relativeText(date, now) {
    const deltaMs = now.getTime() - date.getTime();
    const seconds = Math.abs(deltaMs) / 1000;
    if (Math.abs(deltaMs) > RELATIVE_LIMIT_MS) return datetimeText(inZone(date), now);
    if (seconds < 60) return deltaMs >= 0 ? "just now" : "in a moment";
    let amount;
    if (seconds < 3600) amount = `${Math.floor(seconds / 60)} min`;
    else if (seconds < 86400) amount = `${Math.floor(seconds / 3600)} h`;
    else {
      const days = Math.floor(seconds / 86400);
      amount = `${days} day${days !== 1 ? "s" : ""}`;
    }
    return deltaMs >= 0 ? `${amount} ago` : `in ${amount}`;
  }

  function text(date, style, now) {
    if (style === "relative") return relativeText(date, now);
    const t = inZone(date);
    if (style === "date") return dateText(t);
    if (style === "time") return timeText(t);
    return datetimeText(t, now);
  }

  function renderOne(el, now) {
    const date = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    const value = text(date, el.dataset.time, now);
    if (el.textContent !== value) el.textContent = value;
  }

  function render(root) {
    const now = new Date();
    const scope = root || document;
    if (scope.matches && scope.matches("time[data-time]")) renderOne(scope, now);
    if (scope.querySelectorAll) scope.querySelectorAll("time[data-time]").forEach((el) => renderOne(el, now));
  }

  function watch() {
    render(document);
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        for (const node of mutation.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) render(node);
      }
    }).observe(document.documentElement, { childList: true, subtree: true });
    setInterval(() => document.querySelectorAll('time[data-time="relative"]').forEach((el) => renderOne(el, new Date())), 30000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();

  window.firebreakTime = { render, zone: ZONE };
})();
