/* The outbox: this browser's queue of entries made offline, kept in IndexedDB and sent to the
   idempotent API later. Runs in pages and in the service worker (Background Sync), after
   common.js and idb.js. Each entry's key is its client UUID, which the server dedupes on, so
   sending an entry twice still stores it once.

   Entry: {id, kind, url, body, account, status, errors, created}
   - kind: "session", "water", or "action:<url>" (a notification's "Drank"/"Snooze"; the
     signed token in its URL is the credential, so it needs no session and no account).
   - account: the opaque account (body[data-account]) the entry was made under. It is only
     ever sent while that account is signed in; null (actions, entries older than this field)
     goes with whoever is signed in.
   - status: "pending", "auth" (no one signed in) or "needs_fix" (the server refused it). */
"use strict";
(() => {
  const BR = self.BR;
  const isPage = typeof document !== "undefined";
  const store = BR.idb.createStore("back-relief", "outbox", "id");
  const URLS = { session: "/api/v1/sessions", water: "/api/v1/water" };
  const ACTION = "action:";
  const SYNC_TAG = "outbox";
  // Hidden input outbox-ui.js adds to queueable forms, so the worker knows whose form it is.
  const ACCOUNT_FIELD = "outbox_account";
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("outbox") : null;
  let running = null;

  const isAction = (entry) => entry.kind.startsWith(ACTION);
  const pageAccount = () => (isPage && document.body && document.body.dataset.account) || null;

  /** Tell this page (outbox:changed) and every other tab and the worker (BroadcastChannel). */
  const changed = (detail = null) => {
    if (channel) channel.postMessage({ type: "changed", detail });
    if (isPage) document.dispatchEvent(new CustomEvent("outbox:changed", { detail }));
  };
  if (channel && isPage) {
    channel.onmessage = (event) => {
      document.dispatchEvent(new CustomEvent("outbox:changed", { detail: event.data.detail }));
    };
  }

  const requestSync = async () => {
    // Background Sync is a bonus where it exists; load, online and visibility also flush.
    try {
      const reg = isPage ? navigator.serviceWorker && (await navigator.serviceWorker.ready) : self.registration;
      if (reg && reg.sync) await reg.sync.register(SYNC_TAG);
    } catch (error) { /* not allowed here (e.g. no worker): the page flushes on its own */ }
  };

  /** Queue a payload; resolves to the entry's id. account: defaults to the page's account. */
  const add = async (kind, payload, account) => {
    const action = kind.startsWith(ACTION);
    const id = (!action && payload.id) || BR.uuid();
    await store.put({
      id, kind, url: action ? kind.slice(ACTION.length) : URLS[kind],
      body: action ? { ...payload } : { ...payload, id },
      account: (account === undefined ? pageAccount() : account) || null,
      status: "pending", errors: null, created: Date.now(),
    });
    changed();
    requestSync();
    return id;
  };

  /** Queue a submitted form (FormData, from the page or from the worker's failed POST). */
  const addForm = (kind, data) => {
    const body = BR.formBody(data);
    const account = body[ACCOUNT_FIELD];
    delete body[ACCOUNT_FIELD];
    return add(kind, body, account);
  };

  const send = async (entry, token) => {
    const response = await BR.api("POST", entry.url, entry.body, token);
    const json = await BR.json(response);
    return { status: response.status, errors: (json && json.errors) || {} };
  };

  /** Send one entry if the signed-in account may: the HTTP status, "auth" or "elsewhere". */
  const attempt = async (entry, who) => {
    if (isAction(entry)) return send(entry, null);
    if (!who.account) return { status: "auth" };
    if (entry.account && entry.account !== who.account) return { status: "elsewhere" };
    return send(entry, who.csrf);
  };

  const run = async () => {
    const summary = { sent: 0, conflicts: 0, needsFix: 0, auth: false, elsewhere: 0, failed: false };
    const queue = (await store.values()).filter((e) => e.status !== "needs_fix")
      .sort((a, b) => a.created - b.created);
    let who = null;  // asked of the server once per run, never trusted from a (maybe old) page
    try {
      for (const entry of queue) {
        if (!who && !isAction(entry)) who = await BR.session();
        let { status, errors } = await attempt(entry, who);
        if (status === 400 && errors.csrf) {
          // The session changed during this run: ask again who is signed in, then retry once.
          who = await BR.session();
          ({ status, errors } = await attempt(entry, who));
          if (status === 400 && errors.csrf) { summary.failed = true; break; }
        }
        if (status === "elsewhere") {
          summary.elsewhere++;
        } else if (status === "auth" || status === 401) {
          // Keep it until someone logs in; later entries (not actions) wait too.
          summary.auth = true;
          who = { account: null };
          if (entry.status !== "auth") await store.put({ ...entry, status: "auth" });
        } else if (status === 200 || status === 201 || (status === 409 && isAction(entry))) {
          // 200: a replay the server already had. 409 on an action: it was already done.
          summary.sent++;
          await store.del(entry.id);
        } else if (status === 409) {
          // Same UUID, different content: the stored one wins; say so once.
          summary.conflicts++;
          await store.del(entry.id);
          changed({ conflict: entry.id });
        } else if (status === 400 || status === 404 || status === 422) {
          summary.needsFix++;
          await store.put({ ...entry, status: "needs_fix", errors });
        } else {
          summary.failed = true;  // 429, 5xx: keep it; don't hammer a struggling server
          break;
        }
      }
    } catch (error) {
      summary.failed = true;  // network error: everything stays queued
    }
    changed({ flushed: summary });
    if (summary.failed && isPage) requestSync();  // the worker retries later, even with no tab
    return summary;
  };

  /** Send every sendable entry once; resolves to a summary. Concurrent calls share one run. */
  const flush = () => running || (running = run().finally(() => { running = null; }));

  /** Background Sync: a run that failed rejects, so the browser retries later (as Workbox's
      Queue does). Entries waiting for a login are not a failure: the next page load sends them. */
  const sync = async () => {
    const summary = await flush();
    if (summary.failed) throw new Error("outbox: some entries could not be sent; retry later");
    return summary;
  };

  /** Try again: one entry (after a fix) or all but those that need a fix. */
  const retry = async (id) => {
    const entries = id ? [await store.get(id)] : await store.values();
    await Promise.all(entries.filter((e) => e && (id || e.status !== "needs_fix"))
      .map((e) => store.put({ ...e, status: "pending", errors: null })));
    return flush();
  };

  const remove = async (id) => {
    await store.del(id);
    changed();
  };

  BR.outbox = {
    add, addForm, flush, sync, retry, remove, all: store.values, get: store.get,
    ACCOUNT_FIELD, SYNC_TAG, URLS,
  };
})();
