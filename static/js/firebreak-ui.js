/* Firebreak's small page behaviours, declared in the markup with data attributes (the Content-Security-Policy
 * allows no inline script and no on*= handler: docs/security.md, "Headers and production settings"):
 *   <button data-copy="element-id">         copies that element's text to the clipboard, then says "Copied"
 *   <form data-confirm="Question?">          asks before submitting; Cancel keeps the form unsent
 *   <span data-browser-zone>                 shows this browser's time zone
 *   <a href="/" data-history-back>           goes back in the browser's history (the href when there is none)
 *   <button data-nav-toggle hidden>          on a phone, folds the sidebar (org switcher, nav, footer) under a
 *                                            Menu button, so the page starts at the top of the screen; without
 *                                            script the button stays hidden and the sidebar stays open; its
 *   <span data-mirror="element-id">          shows that element's text and hidden state, kept in step as it
 *                                            changes (the Alerts count, pushed live into the folded nav)
 * Loaded on every page by base.html; listeners are delegated from the document, so content htmx swaps in works
 * too. No dependency, no build step.
 */
(() => {
  "use strict";

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    const label = button.dataset.copyLabel || (button.dataset.copyLabel = button.textContent);
    navigator.clipboard.writeText(source.textContent).then(() => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-history-back]");
    if (!link || window.history.length < 2) return;
    event.preventDefault();
    window.history.back();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  function showBrowserZone(root) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "unknown";
    root.querySelectorAll("[data-browser-zone]").forEach((element) => { element.textContent = zone; });
  }

  function foldSidebar() {
    const toggle = document.querySelector("[data-nav-toggle]");
    const sidebar = toggle && toggle.closest(".sidebar");
    if (!sidebar) return;
    sidebar.classList.add("is-foldable");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = sidebar.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  function mirror() {
    const copies = document.querySelectorAll("[data-mirror]");
    if (!copies.length) return;
    const update = () => copies.forEach((copy) => {
      const source = document.getElementById(copy.dataset.mirror);
      const text = source ? source.textContent : "";
      const hidden = !source || source.hidden;
      // Only real changes: writing the same value would be a mutation too, and the observer would loop
      if (copy.textContent !== text) copy.textContent = text;
      if (copy.hidden !== hidden) copy.hidden = hidden;
    });
    update();
    // The source may be replaced (an htmx out-of-band swap) or edited in place: watch the nav it sits in.
    const source = document.getElementById(copies[0].dataset.mirror);
    const root = (source && source.closest("nav")) || document.body;
    new MutationObserver(update).observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["hidden"] });
  }

  function ready() {
    showBrowserZone(document);
    foldSidebar();
    mirror();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("htmx:afterSettle", (event) => showBrowserZone(event.target));
})();
