/* Back Relief service worker, rendered by tracker/pwa/views.py.
   VERSION is a hash of every precached file, so any change installs a new worker;
   the page offers "Update available — reload" while it waits. */
"use strict";
const VERSION = {{ version|tojson }};
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const QUEUE_FORMS = {{ queue_forms|tojson }};  // form action -> outbox kind
const SHELL = `shell-${VERSION}`;  // app shell + fingerprinted files, one cache per version
const PAGES = "pages";             // last-seen pages, kept across versions
const MAX_PAGES = 30;
const HASHED = /^(.+)\.[0-9a-f]{10}(\.[A-Za-z0-9]+)$/;
// Pages never kept offline: auth forms, settings and anything holding secrets.
const NO_CACHE = /^\/(login|register|logout|settings|api|calendar|offline|outbox)(\/|$|\.)/;
// Shared helpers, the outbox (Background Sync) and the reminders' push handlers: self.BR.
importScripts({% for url in imports %}{{ url|tojson }}{{ ", " if not loop.last }}{% endfor %});

// Latest precached URL per unhashed name: an old cached page still gets today's CSS offline.
const CURRENT = {};
PRECACHE.forEach((url) => { CURRENT[url.replace(HASHED, "$1$2")] = url; });

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keys = await caches.keys();
    await Promise.all(keys.filter((key) => key.startsWith("shell-") && key !== SHELL)
      .map((key) => caches.delete(key)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  // A page that navigated while this worker activated can miss the first claim().
  if (data.type === "CLAIM") event.waitUntil(self.clients.claim());
  if (data.type === "WARM") event.waitUntil(warm(data.urls || []));
  if (data.type === "CLEAR_PAGES") event.waitUntil(caches.delete(PAGES));
});

self.addEventListener("sync", (event) => {
  // Rejects when the server could not be reached, so the browser tries again later.
  if (event.tag === self.BR.outbox.SYNC_TAG) event.waitUntil(self.BR.outbox.sync());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.method === "POST" && request.mode === "navigate" && QUEUE_FORMS[url.pathname]) {
    event.respondWith(postOrQueue(request, QUEUE_FORMS[url.pathname]));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request, url));
  }
});

async function page(request, url) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const cache = await caches.open(PAGES);
    const hit = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
    if (hit) return markCopy(hit);
    return (await caches.match(OFFLINE_URL)) || new Response("<h1>You're offline</h1>", {
      status: 503, headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
  const signedOut = /^\/(login|register)$/.test(url.pathname) || response.headers.has("X-Signed-Out");
  if (signedOut && response.ok) {
    // Seeing the login page (or the landing page) means no one is logged in: forget their pages.
    caches.delete(PAGES);
  } else if (cacheable(response, url)) {
    remember(request, response.clone());
  }
  return response;
}

function cacheable(response, url) {
  const type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.startsWith("text/html") && !NO_CACHE.test(url.pathname);
}

async function remember(request, response) {
  const cache = await caches.open(PAGES);
  await cache.put(request, response);
  // Oldest first: drop the excess so the cache can't grow without bound.
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map((key) => cache.delete(key)));
}

async function warm(urls) {
  // Logged-in pages opened from a cold start offline (dashboard, log form).
  const cache = await caches.open(PAGES);
  await Promise.all(urls.map(async (path) => {
    if (await cache.match(path)) return;
    try {
      const response = await fetch(path, { credentials: "same-origin" });
      if (cacheable(response, new URL(response.url))) await remember(new Request(path), response);
    } catch (error) { /* offline: try again on the next page load */ }
  }));
}

async function asset(request, url) {
  const hashed = HASHED.test(url.pathname);
  const hit = await caches.match(request);
  // Fingerprinted files never change: cache-first. Plain names: network-first.
  if (hit && hashed) return hit;
  try {
    const response = await fetch(request);
    if (hashed && response.ok) {
      const copy = response.clone();
      caches.open(SHELL).then((cache) => cache.put(request, copy));
    }
    return response;
  } catch (error) {
    if (hit) return hit;
    const current = CURRENT[url.pathname.replace(HASHED, "$1$2")];
    return (current && (await caches.match(current))) || Response.error();
  }
}

async function markCopy(response) {
  // Tell the page it is a saved copy (outbox-ui.js then says so and refreshes the log form's time).
  const saved = (response.headers.get("Date") || "").replace(/[^\w ,:+-]/g, "");
  const html = (await response.text()).replace("<head>", `<head><meta name="offline-copy" content="${saved}">`);
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function postOrQueue(request, kind) {
  // A log form posted natively with a flaky connection: if the network fails, keep the entry in
  // the outbox instead of showing the browser's error page. Its UUID makes a later replay safe
  // even if this POST did reach the server.
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (error) {
    await self.BR.outbox.addForm(kind, await copy.formData());
    return Response.redirect("/outbox?saved=1", 303);
  }
}
