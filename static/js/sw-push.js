/* Push half of the service worker (imported by /sw.js after outbox.js).
   iOS revokes subscriptions that receive pushes without a visible notification, so the
   push handler ALWAYS shows one, even for a payload it cannot read. */
(function () {
  "use strict";
  var FALLBACK_URL = "/reminders";
  var ICON = "/static/icons/icon-192.png";
  var BADGE = "/static/icons/maskable-192.png";

  function maxActions() {
    return (self.Notification && typeof Notification.maxActions === "number") ? Notification.maxActions : 0;
  }

  function readPayload(event) {
    if (!event.data) return {};
    try { return event.data.json() || {}; } catch (e) {
      try { return { body: event.data.text() }; } catch (e2) { return {}; }
    }
  }

  self.addEventListener("push", function (event) {
    var data = readPayload(event);
    var title = data.title || "Back Relief";
    var options = {
      body: data.body || "",
      tag: data.tag || ("reminder-" + (data.id || Date.now())),
      icon: ICON,
      badge: BADGE,
      data: { url: data.url || FALLBACK_URL, action_token: data.action_token || null,
              id: data.id || null, kind: data.kind || null },
      actions: (Array.isArray(data.actions) ? data.actions : []).slice(0, Math.max(maxActions(), 2))
    };
    event.waitUntil(self.registration.showNotification(title, options).catch(function () {
      // Bad options (e.g. actions unsupported): still show something.
      return self.registration.showNotification(title, { body: options.body, tag: options.tag, data: options.data });
    }));
  });

  self.addEventListener("notificationclick", function (event) {
    var notification = event.notification;
    var data = notification.data || {};
    notification.close();
    if ((event.action === "drank" || event.action === "snooze") && data.action_token) {
      event.waitUntil(act(data.action_token, event.action, notification));
      return;
    }
    var url = data.url || FALLBACK_URL;
    if (!event.action && data.action_token && maxActions() === 0) {
      // No action buttons on this platform: the Reminders page offers them instead.
      url = FALLBACK_URL + "#act=" + encodeURIComponent(data.action_token);
    }
    event.waitUntil(openOrFocus(url));
  });

  function act(token, action, notification) {
    var url = "/api/v1/actions/" + encodeURIComponent(token);
    return fetch(url, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ action: action })
    }).then(function (response) {
      if (response.status === 429 || response.status >= 500) throw new Error("try later");
      return response.json().catch(function () { return {}; }).then(function (json) {
        return confirm(action, response.ok ? json : null, notification);
      });
    }).catch(function () {
      return queue(url, action).then(function () {
        return confirm(action, { queued: true }, notification);
      });
    });
  }

  function queue(url, action) {
    // Offline: the shared outbox replays it later; the token makes a replay harmless (409).
    var box = self.BackReliefOutbox;
    if (!box) return Promise.resolve();
    var kind = "action:" + url;
    box.URLS[kind] = url;
    return box.add(kind, { action: action });
  }

  function confirm(action, result, notification) {
    if (!result) return Promise.resolve();
    var body = result.queued ? "Saved; it will be sent when you're back online."
      : action === "drank" ? (result.glasses != null ? result.glasses + " glasses so far. Well done!" : "Glass counted.")
      : "We'll remind you again in 30 minutes.";
    return self.registration.showNotification(action === "drank" ? "Glass counted" : "Snoozed", {
      body: body, tag: notification.tag, icon: ICON, silent: true,
      data: { url: (notification.data && notification.data.url) || FALLBACK_URL }
    });
  }

  function openOrFocus(url) {
    var target = new URL(url, self.location.origin).href;
    return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      var exact = list.filter(function (c) { return c.url === target; })[0];
      if (exact && exact.focus) return exact.focus();
      var any = list.filter(function (c) { return c.url.indexOf(self.location.origin) === 0; })[0];
      if (any && any.navigate) {
        return any.focus().then(function (c) { return (c || any).navigate(target); });
      }
      return self.clients.openWindow(target);
    });
  }

  function decodeKey(b64url) {
    var pad = "=".repeat((4 - (b64url.length % 4)) % 4);
    var raw = atob((b64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function csrfToken() {
    return fetch("/api/v1/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); }).then(function (j) { return j.csrf_token; });
  }

  function send(method, body) {
    return csrfToken().then(function (token) {
      return fetch("/api/v1/push/subscriptions", {
        method: method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body)
      });
    });
  }

  self.addEventListener("pushsubscriptionchange", function (event) {
    var old = event.oldSubscription;
    var fresh = event.newSubscription ? Promise.resolve(event.newSubscription)
      : fetch("/api/v1/push/public-key", { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (j) {
            return self.registration.pushManager.subscribe({
              userVisibleOnly: true, applicationServerKey: decodeKey(j.publicKey)
            });
          });
    event.waitUntil(fresh.then(function (sub) {
      return send("POST", sub.toJSON());
    }).then(function () {
      if (old && old.endpoint) return send("DELETE", { endpoint: old.endpoint });
    }).catch(function () { /* the page re-syncs the subscription on its next load */ }));
  });
})();
