/* "Turn on reminders": ask for notification permission only from that tap, subscribe with
   the server's VAPID key and register the subscription. Also offers "Drank"/"Snooze" on
   the Reminders page for platforms whose notifications have no action buttons.
   Needs common.js (BR.api, BR.decodeKey). */
"use strict";
(() => {
  const BR = self.BR;

  const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  const registration = async () => {
    if (!(await navigator.serviceWorker.getRegistration())) await navigator.serviceWorker.register("/sw.js");
    return navigator.serviceWorker.ready;
  };

  // Older Safari takes a callback instead of returning a promise.
  const askPermission = () => new Promise((resolve) => {
    const result = Notification.requestPermission(resolve);
    if (result && result.then) result.then(resolve);
  });

  const save = async (subscription) => {
    const response = await BR.api("POST", "/api/v1/push/subscriptions", subscription.toJSON());
    if (!response.ok) throw new Error(`The server did not accept this device (${response.status}).`);
    return response.json();
  };

  // The device list was rendered before this device registered: never leave "No device
  // gets reminders yet" beside "Reminders are on for this device".
  const showRegistered = (saved) => {
    localStorage.setItem("br-push", "on");  // sw-register.js repairs it on every app open
    document.querySelectorAll("[data-no-devices]").forEach((p) => {
      p.textContent = `This device (${saved.label}) gets reminders. Reload to see its details.`;
    });
  };

  const setStatus = (root, text, state) => {
    const status = root.querySelector("[data-push-status]");
    if (status) status.textContent = text;
    if (state) root.setAttribute("data-push-state", state);
  };

  const publicKey = async () => {
    const response = await fetch("/api/v1/push/public-key", { credentials: "same-origin" });
    if (!response.ok) throw new Error("Push is not available right now.");
    return (await response.json()).publicKey;
  };

  const enable = async (root, button) => {
    button.disabled = true;
    setStatus(root, "Asking for permission…");
    try {
      if ((await askPermission()) !== "granted") {
        throw new Error("Notifications are blocked for this site. Allow them in the browser settings, then try again.");
      }
      setStatus(root, "Turning on reminders…");
      const [reg, key] = await Promise.all([registration(), publicKey()]);
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: BR.decodeKey(key),
      });
      const saved = await save(subscription);
      button.hidden = true;
      showRegistered(saved);
      setStatus(root, `Reminders are on for this device (${saved.label}).`, "on");
      document.dispatchEvent(new CustomEvent("push:subscribed", { detail: saved }));
    } catch (error) {
      button.disabled = false;
      setStatus(root, (error && error.message) || "Could not turn on reminders.", "error");
    }
  };

  const init = async (root) => {
    const button = root.querySelector("[data-push-enable]");
    if (!supported()) {
      const note = root.querySelector("[data-push-unsupported]");
      if (note) note.hidden = false;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", () => enable(root, button));
    if (Notification.permission !== "granted") return;
    try {
      const reg = await navigator.serviceWorker.getRegistration();
      const subscription = reg && (await reg.pushManager.getSubscription());
      if (!subscription) return;
      // Re-register silently: the server may have pruned it or the browser rotated it.
      const saved = await save(subscription);
      button.hidden = true;
      showRegistered(saved);
      setStatus(root, `Reminders are on for this device (${saved.label}).`, "on");
    } catch (error) { /* the button still works */ }
  };

  const actionBar = () => {
    const match = /[#&]act=([^&]+)/.exec(location.hash);
    const main = document.querySelector("main");
    if (!match || !main) return;
    const token = decodeURIComponent(match[1]);
    const bar = document.createElement("section");
    bar.className = "card action-bar";
    bar.setAttribute("aria-label", "Water reminder");
    const text = document.createElement("p");
    text.textContent = "Time for a glass of water.";
    text.setAttribute("role", "status");
    bar.appendChild(text);
    [["drank", "Drank a glass"], ["snooze", "Snooze 30 min"]].forEach(([action, label]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      if (action === "drank") b.className = "primary";
      b.addEventListener("click", async () => {
        const response = await BR.api("POST", `/api/v1/actions/${encodeURIComponent(token)}`, { action });
        const json = await BR.json(response);
        bar.querySelectorAll("button").forEach((x) => { x.disabled = true; });
        text.textContent = response.ok ? (action === "drank" ? "Glass counted." : "Snoozed for 30 minutes.")
          : ((json.errors && (json.errors.token || json.errors.action || [])[0]) || "That did not work.");
      });
      bar.appendChild(b);
    });
    main.insertBefore(bar, main.firstChild);
    history.replaceState(null, "", location.pathname + location.search);
  };

  // "Send test notification" answers beside its button instead of reloading the page.
  const testInPlace = (form) => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = form.querySelector("[data-push-test-result]");
    const button = form.querySelector("button");
    button.disabled = true;
    result.textContent = "Sending…";
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const json = await BR.json(response);
      result.textContent = json.message || `The server answered ${response.status}.`;
      result.dataset.ok = json.ok ? "yes" : "no";
    } catch (error) {
      result.textContent = "No connection. Try again when you are online.";
    }
    button.disabled = false;
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-push-root]").forEach(init);
    document.querySelectorAll("form[data-push-test]").forEach(testInPlace);
    actionBar();
  });
})();
