/* Push half of the service worker (imported by /sw.js after common.js and outbox.js).
   iOS revokes subscriptions that receive pushes without a visible notification, so the
   push handler ALWAYS shows one, even for a payload it cannot read. */
"use strict";
(() => {
  const BR = self.BR;
  const FALLBACK_URL = "/reminders";
  const ICON = "/static/icons/icon-192.png";
  const BADGE = "/static/icons/badge-96.png";  // monochrome: Android draws it from its alpha

  const maxActions = () =>
    (self.Notification && typeof Notification.maxActions === "number" ? Notification.maxActions : 0);

  const readPayload = (event) => {
    if (!event.data) return {};
    try { return event.data.json() || {}; } catch (error) {
      try { return { body: event.data.text() }; } catch (again) { return {}; }
    }
  };

  // A declarative push message (W3C Push API: web_push 8030) keeps the notification in
  // `notification` and our extras in `notification.data`; the flat form predates it.
  const readNotification = (payload) => {
    const n = payload && payload.web_push === 8030 && payload.notification ? payload.notification : payload;
    const extra = (n && typeof n.data === "object" && n.data) || n || {};
    const actions = (Array.isArray(n.actions) ? n.actions : [])
      .filter((a) => a && a.action && a.title).map((a) => ({ action: a.action, title: a.title, navigate: a.navigate }));
    return {
      title: n.title || "Back Relief", body: n.body || "", lang: n.lang || "", dir: n.dir || "auto",
      tag: n.tag || `reminder-${extra.id || Date.now()}`, actions,
      data: {
        url: n.navigate || extra.url || FALLBACK_URL, action_token: extra.action_token || null,
        id: extra.id || null, kind: extra.kind || null,
        navigate: Object.fromEntries(actions.map((a) => [a.action, a.navigate || null])),
      },
    };
  };

  const setBadge = (count) => {
    if (typeof count !== "number" || !self.navigator || !self.navigator.setAppBadge) return Promise.resolve();
    const done = count > 0 ? self.navigator.setAppBadge(count) : self.navigator.clearAppBadge();
    return done.catch(() => {});
  };

  self.addEventListener("push", (event) => {
    const payload = readPayload(event);
    const n = readNotification(payload);
    const options = {
      body: n.body, tag: n.tag, lang: n.lang, dir: n.dir, icon: ICON, badge: BADGE, data: n.data,
      actions: n.actions.map(({ action, title }) => ({ action, title })).slice(0, Math.max(maxActions(), 2)),
    };
    event.waitUntil(Promise.all([
      setBadge(payload.app_badge),
      self.registration.showNotification(n.title, options).catch(() =>
        // Bad options (e.g. actions unsupported): still show something.
        self.registration.showNotification(n.title, { body: options.body, tag: options.tag, data: options.data })),
    ]));
  });

  // An action whose navigate URL is the one-tap page (/act/…) changes data: do it with a
  // POST from here instead of opening the page.
  const changesData = (data, action) => {
    const target = data.navigate && data.navigate[action];
    if (!target || !data.action_token) return false;
    try { return new URL(target, self.location.origin).pathname.startsWith("/act/"); } catch (e) { return false; }
  };

  self.addEventListener("notificationclick", (event) => {
    const notification = event.notification;
    const data = notification.data || {};
    notification.close();
    if (event.action && changesData(data, event.action)) {
      event.waitUntil(act(data.action_token, event.action, notification));
      return;
    }
    let url = (event.action && data.navigate && data.navigate[event.action]) || data.url || FALLBACK_URL;
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
      : action === "done" ? "Logged under your routine. Well done!"
      : action === "skip" ? "Skipped for today; see you tomorrow."
      : action !== "snooze" ? "Saved."
      : result.snoozed_until === null ? "Quiet hours begin before then, so no more tonight."
      : "We'll remind you again in 30 minutes.";
    const title = { drank: "Glass counted", snooze: "Snoozed", done: "Logged", skip: "Skipped" }[action] || "Done";
    return self.registration.showNotification(title, {
      body, tag: notification.tag, icon: ICON, badge: BADGE, silent: true,
      data: { url: (notification.data && notification.data.url) || FALLBACK_URL },
    });
  }

  async function openOrFocus(url) {
    // Navigate URLs are absolute (APP_URL) for browsers that show them without us; open
    // the same path on this worker's own origin.
    const parsed = new URL(url, self.location.origin);
    const target = new URL(parsed.pathname + parsed.search + parsed.hash, self.location.origin).href;
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
