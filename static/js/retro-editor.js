/* The retrospective editor (#retro-editor, one form for every section and the details). Small, dependency-free.
 *
 * - Saving is htmx (hx-swap="none"): the server answers with the outcome only, out of band, so the fields are never
 *   replaced and nothing typed, even while a save is on its way, is lost.
 * - What is "saved" is what the server last accepted: a snapshot of the fields taken when the save was sent,
 *   adopted when the answer says saved. Fields that differ from it are marked "Not saved yet", listed in the save
 *   bar, and leaving the page asks first (beforeunload).
 * - A refused save (400 invalid, 409 someone else saved meanwhile) is shown like a saved one: htmx swaps only 2xx
 *   answers unless told otherwise. A sign-in page, a refusal or no answer at all says the text was not saved.
 * - Unsaved text is also kept in this browser (localStorage, per retrospective, with the base it was typed
 *   against) until a save takes it: after a lost session, a crash or a closed tab, reopening the page puts it back
 *   and marks it unsaved. Its base goes back too, so saving it still cannot overwrite someone's newer save.
 * - Ctrl/Cmd+S saves; "Use their version" puts the other person's text in the field.
 */
(() => {
  "use strict";

  const form = document.getElementById("retro-editor");
  if (!form) return;
  const IGNORED = new Set(["csrfmiddlewaretoken", "base"]);
  const DRAFT_KEY = `firebreak:retro-draft:${location.pathname}`;
  const baseInput = () => document.getElementById("retro-base");
  let sending = null;

  function snapshot() {
    const values = {};
    for (const [name, value] of new FormData(form)) {
      if (IGNORED.has(name)) continue;
      (values[name] = values[name] || []).push(String(value).replace(/\r\n?/g, "\n"));
    }
    // Unchecked boxes send nothing: list every named field so that "none chosen" is a value too.
    for (const element of form.elements) {
      if (element.name && !IGNORED.has(element.name) && !(element.name in values)) values[element.name] = [];
    }
    for (const name of Object.keys(values)) values[name] = values[name].slice().sort().join("\u0000");
    return values;
  }

  let saved = snapshot();

  function labelOf(name) {
    const element = form.elements.namedItem(name);
    const field = element && (element.id ? element : element[0]);
    const section = field && field.closest(".retro-section");
    if (section) return section.querySelector(".card-title").textContent.trim();
    const group = field && field.closest(".field, fieldset");
    const label = group && group.querySelector("label, legend");
    return label ? label.textContent.replace(/[:*]/g, "").trim() : name;
  }

  function dirtyNames() {
    const now = snapshot();
    return Object.keys(now).filter((name) => now[name] !== saved[name]);
  }

  function status(text, state) {
    const element = document.getElementById("retro-save-status");
    if (!element) return;
    element.textContent = text;
    element.dataset.outcome = state;
    element.classList.toggle("is-error", state === "refused" || state === "failed");
  }

  function markDirty() {
    const dirty = dirtyNames();
    document.querySelectorAll("[data-dirty-for]").forEach((marker) => {
      marker.hidden = !dirty.includes(marker.dataset.dirtyFor);
    });
    form.classList.toggle("is-dirty", dirty.length > 0);
    keepDraft(dirty);
    return dirty;
  }

  function showDirty(dirty) {
    if (dirty.length) status(`Not saved yet: ${[...new Set(dirty.map(labelOf))].join(", ")}`, "dirty");
    else status("All changes saved.", "clean");
  }

  // --- the browser's copy of unsaved text ----------------------------------------------------------------------

  function textField(name) {
    const element = form.elements.namedItem(name);
    return element && element.tagName && element.type !== "checkbox" && element.type !== "radio" ? element : null;
  }

  function currentBase() {
    try {
      return JSON.parse(baseInput().value || "{}");
    } catch (_) {
      return {};
    }
  }

  function keepDraft(dirty) {
    try {
      const base = currentBase();
      const fields = {};
      for (const name of dirty) {
        const field = textField(name);
        if (field) fields[name] = { value: field.value, base: base[name] || null };
      }
      if (Object.keys(fields).length) localStorage.setItem(DRAFT_KEY, JSON.stringify(fields));
      else localStorage.removeItem(DRAFT_KEY);
    } catch (_) {
      /* storage full or disabled: the page still warns before leaving */
    }
  }

  function restoreDraft() {
    let fields = {};
    try {
      fields = JSON.parse(localStorage.getItem(DRAFT_KEY) || "{}");
    } catch (_) {
      return [];
    }
    const base = currentBase();
    const restored = [];
    for (const [name, draft] of Object.entries(fields)) {
      const field = textField(name);
      if (!field || !draft || typeof draft.value !== "string" || field.value === draft.value) continue;
      field.value = draft.value;
      if (draft.base) base[name] = draft.base; // typed against that version: a newer save is still a conflict
      restored.push(name);
    }
    if (restored.length) baseInput().value = JSON.stringify(base);
    return restored;
  }

  // --- saving --------------------------------------------------------------------------------------------------

  function edited(event) {
    if (event.target.form !== form) return; // the details' fields sit outside the form element (form="…")
    const dirty = markDirty();
    if (!sending) showDirty(dirty);
  }

  document.addEventListener("input", edited);
  document.addEventListener("change", edited);

  form.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    sending = snapshot();
    status("Saving…", "saving");
  });

  form.addEventListener("htmx:beforeSwap", (event) => {
    const code = event.detail.xhr.status;
    if (code === 400 || code === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  form.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt !== form) return;
    const xhr = event.detail.xhr;
    const answered = xhr && xhr.responseText && xhr.responseText.includes('id="retro-save-status"');
    const sent = sending;
    sending = null;
    if (answered && xhr.status === 200) {
      saved = sent;
    } else if (!answered) {
      const code = xhr ? xhr.status : 0;
      const signedOut = code === 401 || code === 403 || (xhr && (xhr.responseURL || "").includes("/accounts/login/"));
      let why = "the server did not answer. Your text is still here: save again in a moment.";
      if (signedOut) {
        why = "your session has ended. Your text is kept in this browser: sign in again and reopen this page, it comes back.";
      } else if (code >= 500) {
        why = `the server failed (${code}). Your text is still here: save again in a moment.`;
      }
      status(`Not saved: ${why}`, "failed");
    }
    // The server's words stay (saved, or why not), unless more was typed while the save was on its way.
    const dirty = markDirty();
    if (answered && xhr.status === 200 && dirty.length) showDirty(dirty);
  });

  window.addEventListener("beforeunload", (event) => {
    if (!sending && !dirtyNames().length) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers need it set to ask
  });

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-use-theirs]");
    if (!button) return;
    const field = form.elements.namedItem(button.dataset.useTheirs);
    const theirs = button.parentElement.querySelector(".retro-theirs");
    if (!field || !theirs) return;
    field.value = theirs.textContent;
    field.focus();
    showDirty(markDirty());
  });

  const restored = restoreDraft();
  const dirty = markDirty();
  if (restored.length) {
    status(`Restored from this browser, not saved yet: ${restored.map(labelOf).join(", ")}`, "dirty");
  } else if (dirty.length) {
    showDirty(dirty);
  }
})();
