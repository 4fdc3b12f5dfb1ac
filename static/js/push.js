/* "Turn on reminders": ask for notification permission only from that tap, subscribe with
   the server's VAPID key and register the subscription. Also offers "Drank"/"Snooze" on
   the Reminders page for platforms whose notifications have no action buttons. */
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function decodeKey(b64url) {
    var pad = "=".repeat((4 - (b64url.length % 4)) % 4);
    var raw = atob((b64url + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function registration() {
    return navigator.serviceWorker.getRegistration().then(function (reg) {
      return reg || navigator.serviceWorker.register("/sw.js");
    }).then(function () { return navigator.serviceWorker.ready; });
  }

  function askPermission() {
    // Older Safari takes a callback instead of returning a promise.
    return new Promise(function (resolve) {
      var result = Notification.requestPermission(resolve);
      if (result && result.then) result.then(resolve);
    });
  }

  function save(subscription) {
    return api("POST", "/api/v1/push/subscriptions", subscription.toJSON()).then(function (r) {
      if (!r.ok) throw new Error("The server did not accept this device (" + r.status + ").");
      return r.json();
    });
  }

  function setStatus(root, text, state) {
    var status = root.querySelector("[data-push-status]");
    if (status) status.textContent = text;
    if (state) root.setAttribute("data-push-state", state);
  }

  function enable(root, button) {
    button.disabled = true;
    setStatus(root, "Asking for permission…");
    askPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications are blocked for this site. Allow them in the browser settings, then try again.");
      }
      setStatus(root, "Turning on reminders…");
      return Promise.all([registration(), fetch("/api/v1/push/public-key", { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("Push is not available right now."); return r.json(); })]);
    }).then(function (both) {
      return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: decodeKey(both[1].publicKey) });
    }).then(save).then(function (saved) {
      button.hidden = true;
      setStatus(root, "Reminders are on for this device (" + saved.label + ").", "on");
      document.dispatchEvent(new CustomEvent("push:subscribed", { detail: saved }));
    }).catch(function (error) {
      button.disabled = false;
      setStatus(root, error && error.message ? error.message : "Could not turn on reminders.", "error");
    });
  }

  function init(root) {
    var button = root.querySelector("[data-push-enable]");
    if (!supported()) {
      var note = root.querySelector("[data-push-unsupported]");
      if (note) note.hidden = false;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () { enable(root, button); });
    if (Notification.permission !== "granted") return;
    navigator.serviceWorker.getRegistration().then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) return;
      // Re-register silently: the server may have pruned it or the browser rotated it.
      return save(subscription).then(function (saved) {
        button.hidden = true;
        setStatus(root, "Reminders are on for this device (" + saved.label + ").", "on");
      });
    }).catch(function () {});
  }

  function actionBar() {
    var match = /[#&]act=([^&]+)/.exec(location.hash);
    var main = document.querySelector("main");
    if (!match || !main) return;
    var token = decodeURIComponent(match[1]);
    var bar = document.createElement("section");
    bar.className = "card action-bar";
    bar.setAttribute("aria-label", "Water reminder");
    var text = document.createElement("p");
    text.textContent = "Time for a glass of water.";
    text.setAttribute("role", "status");
    bar.appendChild(text);
    [["drank", "Drank a glass"], ["snooze", "Snooze 30 min"]].forEach(function (pair) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = pair[1];
      if (pair[0] === "drank") b.className = "primary";
      b.addEventListener("click", function () {
        api("POST", "/api/v1/actions/" + encodeURIComponent(token), { action: pair[0] }).then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            bar.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
            text.textContent = r.ok ? (pair[0] === "drank" ? "Glass counted." : "Snoozed for 30 minutes.")
              : ((j.errors && (j.errors.token || j.errors.action || [])[0]) || "That did not work.");
          });
        });
      });
      bar.appendChild(b);
    });
    main.insertBefore(bar, main.firstChild);
    history.replaceState(null, "", location.pathname + location.search);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-push-root]").forEach(init);
    actionBar();
  });
})();
