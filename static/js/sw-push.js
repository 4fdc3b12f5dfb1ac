/* Push half of the service worker (imported by /sw.js after common.js and outbox.js).
   iOS revokes subscriptions that receive pushes without a visible notification, so the
   push handler ALWAYS shows one, even for a payload it cannot read. */
"use strict";
(() => {
  const BR = self.BR;
  const FALLBACK_URL = "/reminders";
  const ICON = "/static/icons/icon-192.png";
  const BADGE = "/static/icons/maskable-192.png";

  const maxActions = () =>
    (self.Notification && typeof Notification.maxActions === "number" ? Notification.maxActions : 0);

  const readPayload = (event) => {
    if (!event.data) return {};
    try { return event.data.json() || {}; } catch (error) {
      try { return { body: event.data.text() }; } catch (again) { return {}; }
    }
  };

  self.addEventListener("push", (event) => {
    const data = readPayload(event);
    const title = data.title || "Back Relief";
    const options = {
      body: data.body || "",
      tag: data.tag || `reminder-${data.id || Date.now()}`,
      icon: ICON,
      badge: BADGE,
      data: { url: data.url || FALLBACK_URL, action_token: data.action_token || null,
              id: data.id || null, kind: data.kind || null },
      actions: (Array.isArray(data.actions) ? data.actions : []).slice(0, Math.max(maxActions(), 2)),
    };
    event.waitUntil(self.registration.showNotification(title, options).catch(() =>
      // Bad options (e.g. actions unsupported): still show something.
      self.registration.showNotification(title, { body: options.body, tag: options.tag, data: options.data })));
  });

  self.addEventListener("notificationclick", (event) => {
    const notification = event.notification;
    const data = notification.data || {};
    notification.close();
    if ((event.action === "drank" || event.action === "snooze") && data.action_token) {
      event.waitUntil(act(data.action_token, event.action, notification));
      return;
    }
    let url = data.url || FALLBACK_URL;
    if (!event.action && data.action_token && maxActions() === 0) {
      // No action buttons on this platform: the Reminders page offers them instead.
      url = `${FALLBACK_URL}#act=${encodeURIComponent(data.action_token)}`;
    }
    event.waitUntil(openOrFocus(url));
  });

  async function act(token, action, notification) {
    const url = `/api/v1/actions/${encodeURIComponent(token)}`;
    let result;
    try {
      // The signed token is the credential: no session, no CSRF token.
      const response = await BR.api("POST", url, { action }, null);
      if (response.status === 429 || response.status >= 500) throw new Error("try later");
      result = response.ok ? await BR.json(response) : null;
    } catch (error) {
      // Offline: the outbox replays it later; the token makes a replay harmless (409).
      await BR.outbox.add(`action:${url}`, { action }, null);
      result = { queued: true };
    }
    return confirm(action, result, notification);
  }

  function confirm(action, result, notification) {
    if (!result) return undefined;
    const body = result.queued ? "Saved; it will be sent when you're back online."
      : action === "drank" ? (result.glasses != null ? `${result.glasses} ${result.glasses === 1 ? "glass" : "glasses"} today. Well done!` : "Glass counted.")
      : result.snoozed_until === null ? "Quiet hours begin before then, so no more tonight."
      : "We'll remind you again in 30 minutes.";
    return self.registration.showNotification(action === "drank" ? "Glass counted" : "Snoozed", {
      body, tag: notification.tag, icon: ICON, silent: true,
      data: { url: (notification.data && notification.data.url) || FALLBACK_URL },
    });
  }

  async function openOrFocus(url) {
    const target = new URL(url, self.location.origin).href;
    const list = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const exact = list.find((c) => c.url === target);
    if (exact && exact.focus) return exact.focus();
    const any = list.find((c) => c.url.startsWith(self.location.origin));
    if (any && any.navigate) return ((await any.focus()) || any).navigate(target);
    return self.clients.openWindow(target);
  }

  self.addEventListener("pushsubscriptionchange", (event) => {
    event.waitUntil((async () => {
      const old = event.oldSubscription;
      let sub = event.newSubscription;
      if (!sub) {
        const key = await BR.json(await fetch("/api/v1/push/public-key", { credentials: "same-origin" }));
        sub = await self.registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: BR.decodeKey(key.publicKey),
        });
      }
      await BR.api("POST", "/api/v1/push/subscriptions", sub.toJSON());
      if (old && old.endpoint) await BR.api("DELETE", "/api/v1/push/subscriptions", { endpoint: old.endpoint });
    })().catch(() => { /* the page re-syncs the subscription on its next load */ }));
  });
})();
