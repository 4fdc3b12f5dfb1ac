/* Helpers shared by pages and the service worker (which loads this with importScripts).
   Every script of ours is a classic script that hangs its exports on one namespace, self.BR. */
"use strict";
(() => {
  const BR = (self.BR = self.BR || {});
  const isPage = typeof document !== "undefined";

  /** A base64url string (the server's VAPID public key) as bytes, for pushManager.subscribe. */
  BR.decodeKey = (b64url) => {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64url.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };

  BR.uuid = () => {
    if (self.crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  /** Who is signed in, asked of the server: `{csrf, account}`. account is an opaque per-user
      value (the same as the page's body[data-account]); null when no one is signed in. */
  BR.session = async () => {
    const response = await fetch("/api/v1/csrf-token", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`csrf-token: HTTP ${response.status}`);
    const json = await response.json();
    return { csrf: json.csrf_token, account: json.account || null };
  };

  /** A CSRF token: the page's <meta> (no request), else a fresh one from the server. */
  BR.csrfToken = async () => {
    const meta = isPage ? document.querySelector('meta[name="csrf-token"]') : null;
    return meta && meta.content ? meta.content : (await BR.session()).csrf;
  };

  /** A JSON request to our API. token: a CSRF token; undefined fetches one, null sends none. */
  BR.api = async (method, url, body, token) => {
    if (token === undefined) token = await BR.csrfToken();
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) headers["X-CSRFToken"] = token;
    return fetch(url, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };

  /** A response's JSON body, or {} when it has none. */
  BR.json = (response) => response.json().catch(() => ({}));

  /** The one form serialiser (pages and worker): FormData as the API takes it. Values stay
      strings (the API parses them), a repeated name becomes a list, empty fields and the
      CSRF token are left out. */
  BR.formBody = (data) => {
    const body = {};
    for (const [name, raw] of data) {
      if (name === "csrf_token" || typeof raw !== "string" || !raw.trim()) continue;
      const value = raw.trim();
      body[name] = name in body ? [].concat(body[name], value) : value;
    }
    return body;
  };
})();
