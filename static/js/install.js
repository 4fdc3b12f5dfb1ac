/* Install UX: an "Install app" button on Chromium, a short guide on iOS Safari, nothing once installed. */
(function () {
  "use strict";
  var DISMISSED = "br-ios-guide-dismissed";
  var standalone = window.matchMedia("(display-mode: standalone)").matches ||
    window.navigator.standalone === true;
  var deferred = null;

  function button() { return document.querySelector("[data-install]"); }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();  // show our own button instead of the mini-infobar
    deferred = event;
    var b = button();
    if (b && !standalone) b.hidden = false;
  });

  window.addEventListener("appinstalled", function () {
    deferred = null;
    var b = button();
    if (b) b.hidden = true;
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-install]") && deferred) {
      deferred.prompt();
      deferred.userChoice.finally(function () {
        deferred = null;
        button().hidden = true;
      });
    }
    if (event.target.closest("[data-ios-dismiss]")) {
      try { localStorage.setItem(DISMISSED, "1"); } catch (e) { /* private mode */ }
      document.querySelector("[data-ios-guide]").hidden = true;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var ua = navigator.userAgent;
    // iPadOS reports itself as a Mac; touch points give it away.
    var ios = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
    var safari = /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS/.test(ua);
    var dismissed = false;
    try { dismissed = localStorage.getItem(DISMISSED) === "1"; } catch (e) { /* private mode */ }
    var guide = document.querySelector("[data-ios-guide]");
    var loggedIn = !!document.querySelector("nav.bottom");
    if (guide && ios && safari && loggedIn && !standalone && !dismissed) guide.hidden = false;
    document.documentElement.classList.toggle("standalone", standalone);
  });
})();
