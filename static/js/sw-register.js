/* Registers the service worker and shows "Update available — reload" when a new one waits. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var reloading = false;

  function offerUpdate(worker) {
    var banner = document.querySelector("[data-sw-update]");
    if (!banner || !navigator.serviceWorker.controller) return;  // first install: nothing to update
    banner.hidden = false;
    banner.querySelector("[data-sw-reload]").onclick = function () {
      worker.postMessage({ type: "SKIP_WAITING" });
    };
  }

  function watch(reg) {
    if (reg.waiting) offerUpdate(reg.waiting);
    reg.addEventListener("updatefound", function () {
      var worker = reg.installing;
      if (!worker) return;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed") offerUpdate(worker);
      });
    });
  }

  navigator.serviceWorker.addEventListener("controllerchange", function () {
    // Only reload for an update the person asked for, not for the very first install.
    var banner = document.querySelector("[data-sw-update]");
    if (reloading || !banner || banner.hidden) return;
    reloading = true;
    window.location.reload();
  });

  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      watch(reg);
      // First visit: the worker may have activated (and claimed) while this page was still
      // loading, leaving it uncontrolled until the next navigation; ask it to claim again
      // so this very page already works offline.
      navigator.serviceWorker.ready.then(function (ready) {
        if (!navigator.serviceWorker.controller && ready.active) {
          ready.active.postMessage({ type: "CLAIM" });
        }
      });
      // Logged in: keep the dashboard and log form ready for a cold start with no signal.
      if (document.querySelector("nav.bottom")) {
        navigator.serviceWorker.ready.then(function (ready) {
          if (ready.active) ready.active.postMessage({ type: "WARM", urls: ["/", "/sessions/new"] });
        });
      }
    }).catch(function () {});
  });

  // Logging out forgets the pages kept for offline use on this device.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute && event.target.getAttribute("action");
    if (action === "/logout" && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "CLEAR_PAGES" });
    }
  });
})();
