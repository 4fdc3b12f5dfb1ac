/* Offline outbox: entries saved in IndexedDB and sent to the idempotent API later.
   Runs in pages and in the service worker (Background Sync). Each entry's key is its client
   UUID, which the server dedupes on, so sending an entry twice still stores it once. */
(function (root) {
  "use strict";
  var DB = "back-relief", STORE = "outbox";
  var URLS = { session: "/api/v1/sessions", water: "/api/v1/water" };
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("outbox") : null;
  var isPage = typeof document !== "undefined";
  var running = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), store = t.objectStore(STORE), result;
        var req = work(store);
        if (req) req.onsuccess = function () { result = req.result; };
        t.oncomplete = function () { db.close(); resolve(result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function get(id) { return tx("readonly", function (s) { return s.get(id); }); }
  function put(entry) { return tx("readwrite", function (s) { s.put(entry); }).then(changed); }
  function remove(id) { return tx("readwrite", function (s) { s.delete(id); }).then(changed); }

  function changed(detail) {
    if (channel) channel.postMessage({ type: "changed", detail: detail || null });
    if (isPage) document.dispatchEvent(new CustomEvent("outbox:changed", { detail: detail || null }));
  }

  function uuid() {
    if (root.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /** Queue a payload; kind is "session" or "water". The payload's id is the entry key. */
  function add(kind, payload) {
    var body = Object.assign({}, payload);
    if (!body.id) body.id = uuid();
    return put({ id: body.id, kind: kind, url: URLS[kind], body: body, status: "pending",
                 errors: null, created: Date.now() }).then(function () {
      requestSync();
      return body.id;
    });
  }

  function requestSync() {
    // Background Sync is a bonus where it exists; online/load/visibility also flush.
    var ready = isPage ? (navigator.serviceWorker ? navigator.serviceWorker.ready : null)
      : Promise.resolve(root.registration);
    if (!ready) return;
    ready.then(function (reg) {
      if (reg && reg.sync) return reg.sync.register("outbox");
    }).catch(function () {});
  }

  var token = null;
  function csrf(fresh) {
    if (!fresh && token) return Promise.resolve(token);
    if (!fresh && isPage) {
      var meta = document.querySelector('meta[name="csrf-token"]');
      if (meta && meta.content) return Promise.resolve(token = meta.content);
    }
    return fetch("/api/v1/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (j) { return (token = j.csrf_token); });
  }

  function send(entry, fresh) {
    return csrf(fresh).then(function (t) {
      return fetch(entry.url, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": t },
        body: JSON.stringify(entry.body)
      });
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        var errors = (json && json.errors) || {};
        if (response.status === 400 && errors.csrf && !fresh) return send(entry, true);
        return { status: response.status, errors: errors };
      });
    });
  }

  /** Send every sendable entry once; resolves to a summary. Concurrent calls share one run. */
  function flush() {
    if (running) return running;
    var summary = { sent: 0, conflicts: 0, needsFix: 0, auth: false, failed: false };
    running = all().then(function (entries) {
      var queue = entries.filter(function (e) { return e.status !== "needs_fix"; })
        .sort(function (a, b) { return a.created - b.created; });
      function next() {
        var entry = queue.shift();
        if (!entry) return summary;
        return send(entry).then(function (result) {
          var s = result.status;
          if (s === 200 || s === 201) { summary.sent++; return remove(entry.id).then(next); }
          if (s === 409) {
            summary.conflicts++;
            return remove(entry.id).then(function () {
              changed({ conflict: entry.id });
            }).then(next);
          }
          if (s === 401) {
            // Keep everything until the person logs in again; later entries would 401 too.
            summary.auth = true;
            return Promise.all([entry].concat(queue).map(function (e) {
              e.status = "auth";
              return put(e);
            })).then(function () { return summary; });
          }
          if (s === 400 || s === 404 || s === 422) {
            summary.needsFix++;
            entry.status = "needs_fix"; entry.errors = result.errors;
            return put(entry).then(next);
          }
          summary.failed = true;  // 5xx, 429: keep and try later; don't hammer a struggling server
          return summary;
        }, function () { summary.failed = true; return summary; });  // network error: keep
      }
      return next();
    }).then(function (result) {
      running = null;
      changed({ flushed: result });
      return result;
    }, function (error) { running = null; throw error; });
    return running;
  }

  function retry(id) {
    return get(id).then(function (entry) {
      if (!entry) return;
      entry.status = "pending"; entry.errors = null;
      return put(entry);
    }).then(flush);
  }

  /** Form data as posted natively (strings; repeated names become lists): the API accepts both. */
  function fromFormData(data) {
    var body = {};
    data.forEach(function (value, name) {
      if (name === "csrf_token" || typeof value !== "string" || !value.trim()) return;
      value = value.trim();
      body[name] = name in body ? [].concat(body[name], value) : value;
    });
    return body;
  }

  root.BackReliefOutbox = { add: add, fromFormData: fromFormData, all: all, get: get, remove: remove, retry: retry,
                            flush: flush, uuid: uuid, URLS: URLS };
  if (channel && isPage) {
    channel.onmessage = function (event) {
      document.dispatchEvent(new CustomEvent("outbox:changed", { detail: event.data.detail }));
    };
  }
  if (!isPage) return;

  /* ---- Page side: form interception, status line, outbox list ---- */

  function serialize(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrf_token" || el.type === "submit" ||
          el.type === "button" || el.type === "file") return;
      var many = el.type === "checkbox" && form.querySelectorAll('[name="' + el.name + '"]').length > 1;
      if (el.multiple) many = true;
      if (many && !(el.name in data)) data[el.name] = [];
      var values = [];
      if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { values.push(o.value); });
      } else if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      } else {
        values.push(el.value);
      }
      values.forEach(function (raw) {
        var value = typeof raw === "string" ? raw.trim() : raw;
        if (value === "") return;
        if (/^(number|range|radio|hidden|select-one|select-multiple)$/.test(el.type) &&
            /^-?\d+(\.\d+)?$/.test(value)) value = Number(value);
        if (many) data[el.name].push(value);
        else if (el.name in data) data[el.name] = [].concat(data[el.name], value);
        else data[el.name] = value;
      });
    });
    return data;
  }

  function show(selector, text) {
    var el = document.querySelector(selector);
    if (!el) return null;
    if (text !== undefined) el.textContent = text;
    el.hidden = false;
    return el;
  }

  function savedOffline(form) {
    var id = form.elements.id;
    form.reset();
    if (id) id.value = uuid();  // the next entry is a new session, not a replay
    var saved = show("[data-outbox-saved]");
    if (saved) { saved.tabIndex = -1; saved.focus(); }
    window.scrollTo(0, 0);
  }

  function queueForm(form) {
    var body = serialize(form);
    return add(form.getAttribute("data-outbox"), body).then(function () { savedOffline(form); });
  }

  function onSubmit(event) {
    // Online, the form posts natively (the worker queues it if the network then fails).
    var form = event.target;
    if (navigator.onLine || event.defaultPrevented || !form.matches || !form.matches("form[data-outbox]")) return;
    event.preventDefault();
    queueForm(form);
  }

  function count(n) { return n + (n === 1 ? " entry" : " entries"); }
  var note = "";  // one-off report, e.g. a 409 conflict, shown with the status line

  function render() {
    return all().then(function (entries) {
      var status = document.querySelector("[data-outbox-status]");
      var waiting = entries.filter(function (e) { return e.status !== "needs_fix"; }).length;
      var broken = entries.length - waiting;
      var auth = entries.some(function (e) { return e.status === "auth"; });
      if (status) {
        status.textContent = "";
        if (waiting) {
          var link = document.createElement("a");
          link.href = auth ? "/login?next=/outbox" : "/outbox";
          link.textContent = count(waiting) + " waiting to sync" +
            (auth ? " — log in to send" : "");
          status.appendChild(link);
        }
        if (broken) {
          var fix = document.createElement("a");
          fix.href = "/outbox";
          fix.textContent = (waiting ? " · " : "") + count(broken) + " need" + (broken === 1 ? "s" : "") +
            " a fix";
          status.appendChild(fix);
        }
        if (note) status.appendChild(document.createTextNode((entries.length ? " · " : "") + note));
        status.hidden = !entries.length && !note;
      }
      renderList(entries);
      return entries;
    }).catch(function () {});
  }

  function describe(entry) {
    var b = entry.body;
    if (entry.kind === "water") return "A glass of water";
    var when = b.occurred_at_local || b.occurred_at || "";
    return "Session " + String(when).replace("T", " ") + " · pain " + b.pain_before + " → " + b.pain_after;
  }

  function renderList(entries) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) return;
    list.textContent = "";
    var empty = document.querySelector("[data-outbox-empty]");
    if (empty) empty.hidden = entries.length > 0;
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      li.className = "card outbox-entry";
      var title = document.createElement("p");
      title.textContent = describe(entry);
      li.appendChild(title);
      var state = document.createElement("p");
      state.className = entry.status === "needs_fix" ? "errors" : "muted";
      state.textContent = entry.status === "needs_fix" ? "Needs a fix: " + Object.keys(entry.errors || {})
        .map(function (k) { return k.replace(/_/g, " ") + ": " + [].concat(entry.errors[k]).join(" "); }).join("; ")
        : entry.status === "auth" ? "Waiting for you to log in." : "Waiting to sync.";
      li.appendChild(state);
      if (entry.kind === "session" && entry.status === "needs_fix") {
        var edit = document.createElement("a");
        edit.className = "button";
        edit.href = "/sessions/new?outbox=" + encodeURIComponent(entry.id);
        edit.textContent = "Fix and save";
        li.appendChild(edit);
      }
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "danger";
      discard.textContent = "Discard";
      discard.addEventListener("click", function () { remove(entry.id); });
      li.appendChild(discard);
      list.appendChild(li);
    });
  }

  function fillFromOutbox() {
    // "Fix and save" from the outbox page: refill the log form with the stored entry.
    var match = /[?&]outbox=([^&]+)/.exec(location.search);
    var form = document.querySelector("form[data-outbox]");
    if (!match || !form) return;
    get(decodeURIComponent(match[1])).then(function (entry) {
      if (!entry) return;
      Object.keys(entry.body).forEach(function (name) {
        var values = [].concat(entry.body[name]).map(String);
        form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
          if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
          else if (el.tagName === "SELECT" && el.multiple) {
            Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
          } else el.value = values[0];
        });
      });
    });
  }

  function localNow() {
    var now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  function freshForms() {
    // A page served from the offline cache carries an old UUID: every page load gets a new one.
    var editing = /[?&]outbox=/.test(location.search);
    var copy = document.querySelector('meta[name="offline-copy"]');
    if (copy) show("[data-offline-copy]");
    if (/[?&]saved=1/.test(location.search)) show("[data-outbox-saved]");
    document.querySelectorAll("form[data-outbox]").forEach(function (form) {
      var id = form.elements.id, when = form.elements.occurred_at_local;
      if (id && id.type === "hidden" && !editing) id.value = uuid();
      // A saved copy's "when" is the time it was saved, not now.
      if (copy && when && !editing) when.value = localNow();
    });
  }

  function flushAndRender() {
    if (!navigator.onLine) return render();
    return flush().catch(function () {}).then(render);
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("outbox:changed", function (event) {
    var detail = event.detail || {};
    if (detail.conflict) note = "An entry was already saved with different details, so it wasn't sent again.";
    render();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-outbox-retry]")) {
      all().then(function (entries) {
        return Promise.all(entries.map(function (e) {
          if (e.status === "needs_fix") return null;
          e.status = "pending"; return put(e);
        }));
      }).then(flushAndRender);
    }
  });
  window.addEventListener("online", flushAndRender);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flushAndRender();
  });
  document.addEventListener("DOMContentLoaded", function () {
    freshForms();
    fillFromOutbox();
    flushAndRender();
  });
})(typeof self !== "undefined" ? self : this);
