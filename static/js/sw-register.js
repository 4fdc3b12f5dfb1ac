/* Registers the service worker and shows "Update available — reload" when a new one waits. */
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
  });

  // Logging out forgets the pages kept for offline use on this device.
  document.addEventListener("submit", (event) => {
    const action = event.target.getAttribute && event.target.getAttribute("action");
    if (action === "/logout" && sw.controller) sw.controller.postMessage({ type: "CLEAR_PAGES" });
  });
})();
