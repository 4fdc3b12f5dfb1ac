/* Registers the service worker and shows "Update available — reload" when a new one waits.
   On every app open it also repairs this device's push subscription and sets the icon badge
   (here rather than in a script of its own: every page already loads this one). */
"use strict";
(() => {
  if (!("serviceWorker" in navigator)) return;
  const sw = navigator.serviceWorker;
  let reloading = false;

  const offerUpdate = (worker) => {
    const banner = document.querySelector("[data-sw-update]");
    if (!banner || !sw.controller) return;  // first install: nothing to update
    banner.hidden = false;
    banner.querySelector("[data-sw-reload]").onclick = () => worker.postMessage({ type: "SKIP_WAITING" });
  };

  const watch = (reg) => {
    if (reg.waiting) offerUpdate(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed") offerUpdate(worker);
      });
    });
  };

  sw.addEventListener("controllerchange", () => {
    // Only reload for an update the person asked for, not for the very first install.
    const banner = document.querySelector("[data-sw-update]");
    if (reloading || !banner || banner.hidden) return;
    reloading = true;
    window.location.reload();
  });

  const sameKey = (subscription, key) => {
    const used = subscription.options && subscription.options.applicationServerKey;
    if (!used) return true;  // the browser does not say: trust the server's record
    const bytes = new Uint8Array(used);
    return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
  };

  // iOS drops subscriptions silently and a key rotation needs new ones: compare the browser's
  // subscription with the server's record and repair it. Only where reminders were turned
  // on (push.js sets br-push), so a device someone never enabled is not subscribed.
  const syncPush = async (reg) => {
    if (!document.querySelector("nav.bottom") || !("PushManager" in window) || !self.BR) return;
    if (!window.Notification || Notification.permission !== "granted") return;
    let subscription = await reg.pushManager.getSubscription();
    const endpoint = subscription ? subscription.endpoint : "";
    const response = await fetch(`/api/v1/push/device?endpoint=${encodeURIComponent(endpoint)}`,
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const state = await response.json();
    if (navigator.setAppBadge) {
      // Appointments waiting to be logged plus open sleep check-ins; 0 clears it.
      (state.badge > 0 ? navigator.setAppBadge(state.badge) : navigator.clearAppBadge()).catch(() => {});
    }
    if (localStorage.getItem("br-push") !== "on" || !state.publicKey) return;
    const key = self.BR.decodeKey(state.publicKey);
    if (subscription && (!sameKey(subscription, key) || (state.registered && !state.currentKey))) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (subscription && state.registered) return;  // nothing to repair
    if (!subscription) {
      subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }
    await self.BR.api("POST", "/api/v1/push/subscriptions", subscription.toJSON());
  };

  window.addEventListener("load", async () => {
    let reg;
    try {
      reg = await sw.register("/sw.js", { scope: "/" });
    } catch (error) {
      return;  // no worker (private mode, blocked): the site still works online
    }
    watch(reg);
    const ready = await sw.ready;
    if (!ready.active) return;
    // First visit: the worker may have activated (and claimed) while this page was still
    // loading, leaving it uncontrolled until the next navigation; ask it to claim again
    // so this very page already works offline.
    if (!sw.controller) ready.active.postMessage({ type: "CLAIM" });
    // Logged in: keep the dashboard and log form ready for a cold start with no signal.
    if (document.querySelector("nav.bottom")) ready.active.postMessage({ type: "WARM", urls: ["/", "/sessions/new"] });
    syncPush(ready).catch(() => { /* offline or refused: the next open tries again */ });
  });

  // Logging out forgets the pages kept for offline use on this device.
  document.addEventListener("submit", (event) => {
    const action = event.target.getAttribute && event.target.getAttribute("action");
    if (action === "/logout" && sw.controller) sw.controller.postMessage({ type: "CLEAR_PAGES" });
  });
})();
