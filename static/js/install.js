/* Install UX: an "Install app" button on Chromium, a short guide on iOS Safari, nothing once installed. */
"use strict";
(() => {
  const DISMISSED = "br-ios-guide-dismissed";
  const standalone = window.matchMedia("(display-mode: standalone)").matches || window.navigator.standalone === true;
  const button = () => document.querySelector("[data-install]");
  let deferred = null;

  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();  // show our own button instead of the mini-infobar
    deferred = event;
    const b = button();
    if (b && !standalone) b.hidden = false;
  });

  window.addEventListener("appinstalled", () => {
    deferred = null;
    const b = button();
    if (b) b.hidden = true;
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-install]") && deferred) {
      deferred.prompt();
      deferred.userChoice.finally(() => {
        deferred = null;
        button().hidden = true;
      });
    }
    if (event.target.closest("[data-ios-dismiss]")) {
      try { localStorage.setItem(DISMISSED, "1"); } catch (error) { /* private mode */ }
      document.querySelector("[data-ios-guide]").hidden = true;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const ua = navigator.userAgent;
    // iPadOS reports itself as a Mac; touch points give it away.
    const ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
    const safari = /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS/.test(ua);
    let dismissed = false;
    try { dismissed = localStorage.getItem(DISMISSED) === "1"; } catch (error) { /* private mode */ }
    const guide = document.querySelector("[data-ios-guide]");
    const loggedIn = !!document.querySelector("nav.bottom");
    if (guide && ios && safari && loggedIn && !standalone && !dismissed) guide.hidden = false;
    document.documentElement.classList.toggle("standalone", standalone);
  });
})();
