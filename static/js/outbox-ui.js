/* The outbox in the page: queue a log form submitted offline, the header's status line, the
   "Synced" confirmation, the /outbox list, and flushing on load, online and visibility.
   Needs common.js, idb.js and outbox.js before it. */
"use strict";
(() => {
  const { outbox } = self.BR;
  const me = () => document.body.dataset.account || null;  // the signed-in account, if any
  const count = (n) => `${n} ${n === 1 ? "entry" : "entries"}`;
  let note = "";  // a one-off report (a 409 conflict), shown with the status line

  const show = (selector, text) => {
    const el = document.querySelector(selector);
    if (!el) return null;
    if (text !== undefined) el.textContent = text;
    el.hidden = false;
    return el;
  };
  const hide = (...selectors) => selectors.forEach((selector) => {
    const el = document.querySelector(selector);
    if (el) el.hidden = true;
  });

  /* ---- Queueing a form ---- */

  const savedOffline = (form) => {
    const id = form.elements.id;
    form.reset();
    if (id) id.value = self.BR.uuid();  // the next entry is a new session, not a replay
    hide("[data-outbox-synced]");
    const saved = show("[data-outbox-saved]");
    if (saved) { saved.tabIndex = -1; saved.focus(); }
    window.scrollTo(0, 0);
  };

  const editing = () => /[?&]outbox=/.test(location.search);

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-outbox]")) return;
    if (navigator.onLine) {
      // Online, the form posts natively (the worker queues it if the network then fails).
      // "Fix and save": the POST carries the entry now, so drop the queued copy first.
      const id = form.elements.id;
      if (!editing() || !id) return;
      event.preventDefault();  // before any await, or the form is already on its way
      await outbox.remove(id.value).catch(() => {});
      form.submit();
      return;
    }
    event.preventDefault();
    await outbox.addForm(form.dataset.outbox, new FormData(form));
    savedOffline(form);
  });

  /* ---- Status line and list ---- */

  const describe = (entry) => {
    const body = entry.body || {};
    if (entry.kind === "water") return "A glass of water";
    if (entry.kind.startsWith("action:")) {
      const tapped = { drank: "Drank", snooze: "Snooze 30 min" }[body.action] || body.action;
      return `Water reminder: “${tapped}”`;
    }
    const when = String(body.occurred_at_local || body.occurred_at || "").replace("T", " ");
    const pain = body.pain_before !== undefined && body.pain_after !== undefined
      ? ` · pain ${body.pain_before} → ${body.pain_after}` : "";
    return `Session ${when}`.trim() + pain;
  };

  const problems = (errors) => Object.keys(errors || {})
    .map((key) => `${key.replace(/_/g, " ")}: ${[].concat(errors[key]).join(" ")}`).join("; ");

  const element = (tag, className, text) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  };

  const link = (href, text) => Object.assign(element("a", "", text), { href });

  const renderStatus = ({ waiting, broken, others, auth }) => {
    const status = document.querySelector("[data-outbox-status]");
    if (!status) return;
    const parts = [];
    if (waiting) {
      parts.push(link(auth ? "/login?next=/outbox" : "/outbox",
        `${count(waiting)} waiting to sync${auth ? " — log in to send" : ""}`));
    }
    if (broken) parts.push(link("/outbox", `${count(broken)} need${broken === 1 ? "s" : ""} a fix`));
    if (others) {
      parts.push(link("/outbox", `${count(others)} saved by another account ` +
        `${others === 1 ? "is" : "are"} waiting for it to sign in`));
    }
    if (note) parts.push(document.createTextNode(note));
    status.textContent = "";
    parts.forEach((part, i) => {
      if (i) status.appendChild(document.createTextNode(" · "));
      status.appendChild(part);
    });
    status.hidden = !parts.length;
  };

  const renderEntry = (entry, mine) => {
    const li = element("li", "card outbox-entry");
    if (!mine) {
      // Someone else's health data: say that it waits, not what it is.
      li.appendChild(element("p", "", "Saved by another account"));
      li.appendChild(element("p", "muted", "Waiting for that account to sign in on this device."));
      return li;
    }
    li.appendChild(element("p", "", describe(entry)));
    const broken = entry.status === "needs_fix";
    const label = entry.kind.startsWith("action:") ? "Not sent" : "Needs a fix";
    li.appendChild(element("p", broken ? "errors" : "muted", broken ? `${label}: ${problems(entry.errors)}`
      : !me() || entry.status === "auth" ? "Waiting for you to log in." : "Waiting to sync."));
    if (entry.kind === "session" && broken) {
      const edit = link(`/sessions/new?outbox=${encodeURIComponent(entry.id)}`, "Fix and save");
      edit.className = "button";
      li.appendChild(edit);
    }
    const discard = element("button", "danger", "Discard");
    discard.type = "button";
    discard.addEventListener("click", () => outbox.remove(entry.id));
    li.appendChild(discard);
    return li;
  };

  /** Redraw the status line and the /outbox list from IndexedDB; resolves to the counts. */
  const render = async () => {
    let entries;
    try { entries = await outbox.all(); } catch (error) { return null; }
    const account = me();
    // Signed out, every entry waits for a login; signed in, other accounts' entries wait for them.
    const isMine = (e) => !account || !e.account || e.account === account;
    const mine = entries.filter(isMine);
    const broken = mine.filter((e) => e.status === "needs_fix").length;
    const state = {
      mine: mine.length, waiting: mine.length - broken, broken, others: entries.length - mine.length,
      auth: !account || mine.some((e) => e.status === "auth"),
    };
    renderStatus(state);
    const list = document.querySelector("[data-outbox-list]");
    if (list) {
      list.textContent = "";
      entries.forEach((entry) => list.appendChild(renderEntry(entry, isMine(entry))));
      const empty = document.querySelector("[data-outbox-empty]");
      if (empty) empty.hidden = entries.length > 0;
    }
    return state;
  };

  const synced = () => {
    // Back online and nothing of ours left: replace the offline notices with a confirmation.
    hide("[data-outbox-saved]", "[data-offline-copy]");
    show("[data-outbox-synced]");
  };

  document.addEventListener("outbox:changed", async (event) => {
    const detail = event.detail || {};
    if (detail.conflict) note = "An entry was already saved with different details, so it wasn't sent again.";
    const state = await render();
    if (detail.flushed && detail.flushed.sent && state && !state.mine) synced();
  });

  /* ---- Page load ---- */

  const localNow = () => {
    const now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  };

  const prepareForms = () => {
    // A page served from the offline cache carries an old UUID: every page load gets a new one.
    const copy = document.querySelector('meta[name="offline-copy"]');
    if (copy) show("[data-offline-copy]");
    if (/[?&]saved=1/.test(location.search)) show("[data-outbox-saved]");
    document.querySelectorAll("form[data-outbox]").forEach((form) => {
      const { id, occurred_at_local: when } = form.elements;
      if (id && id.type === "hidden" && !editing()) id.value = self.BR.uuid();
      // A saved copy's "when" is the time it was saved, not now.
      if (copy && when && !editing()) when.value = localNow();
      // Whose entry this is, for the worker if it has to queue the native POST.
      let field = form.elements[outbox.ACCOUNT_FIELD];
      if (!field) {
        field = Object.assign(document.createElement("input"), { type: "hidden", name: outbox.ACCOUNT_FIELD });
        form.appendChild(field);
      }
      field.value = me() || "";
    });
  };

  const fillFromOutbox = async () => {
    // "Fix and save" from the outbox page: refill the log form with the stored entry.
    const match = /[?&]outbox=([^&]+)/.exec(location.search);
    const form = document.querySelector("form[data-outbox]");
    if (!match || !form) return;
    const entry = await outbox.get(decodeURIComponent(match[1]));
    if (!entry) return;
    Object.keys(entry.body).forEach((name) => {
      const values = [].concat(entry.body[name]).map(String);
      form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((el) => {
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.includes(el.value);
        else if (el.tagName === "SELECT" && el.multiple) {
          Array.from(el.options).forEach((o) => { o.selected = values.includes(o.value); });
        } else el.value = values[0];
      });
    });
  };

  // Online, flush (its outbox:changed redraws); offline, just draw what is waiting.
  const refresh = () => (navigator.onLine ? outbox.flush().catch(render) : render());

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-outbox-retry]")) outbox.retry().catch(render);
  });
  window.addEventListener("online", () => {
    hide("[data-offline-copy]");  // no longer true, even if nothing is waiting
    refresh();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  document.addEventListener("DOMContentLoaded", () => {
    prepareForms();
    fillFromOutbox();
    refresh();
  });
})();
