/* Back Relief service worker, rendered by tracker/pwa/views.py.
   VERSION is a hash of every precached file, so any change installs a new worker;
   the page offers "Update available — reload" while it waits. */
"use strict";
var VERSION = {{ version|tojson }};
var PRECACHE = {{ precache|tojson }};
var OFFLINE_URL = {{ offline_url|tojson }};
var QUEUE_FORMS = {{ queue_forms|tojson }};  // form action -> outbox kind
var SHELL = "shell-" + VERSION;   // app shell + fingerprinted files, one cache per version
var PAGES = "pages";              // last-seen pages, kept across versions
var MAX_PAGES = 30;
var HASHED = /^(.+)\.[0-9a-f]{10}(\.[A-Za-z0-9]+)$/;
// Pages never kept offline: auth forms, settings and anything holding secrets.
var NO_CACHE = /^\/(login|register|logout|settings|api|calendar|offline|outbox)(\/|$|\.)/;
{% for url in imports %}
importScripts({{ url|tojson }});
{% endfor %}

// Latest precached URL per unhashed name: an old cached page still gets today's CSS offline.
var CURRENT = {};
PRECACHE.forEach(function (url) { CURRENT[url.replace(HASHED, "$1$2")] = url; });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(PRECACHE); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("shell-") === 0 && key !== SHELL;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  // A page that navigated while this worker activated can miss the first claim().
  if (data.type === "CLAIM") event.waitUntil(self.clients.claim());
  if (data.type === "WARM") event.waitUntil(warm(data.urls || []));
  if (data.type === "CLEAR_PAGES") event.waitUntil(caches.delete(PAGES));
});

if (self.BackReliefOutbox) {
  self.addEventListener("sync", function (event) {
    if (event.tag === "outbox") event.waitUntil(self.BackReliefOutbox.flush());
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.method === "POST" && request.mode === "navigate" && QUEUE_FORMS[url.pathname] &&
      self.BackReliefOutbox) {
    event.respondWith(postOrQueue(request, QUEUE_FORMS[url.pathname]));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request, url));
  }
});

function page(request, url) {
  return fetch(request).then(function (response) {
    if (/^\/(login|register)$/.test(url.pathname) && response.ok) {
      // Seeing the login page means no one is logged in: forget their cached pages.
      caches.delete(PAGES);
    } else if (cacheable(response, url)) {
      remember(request, response.clone());
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || cache.match(request, { ignoreSearch: true });
      });
    }).then(function (hit) {
      return hit ? markCopy(hit) : caches.match(OFFLINE_URL);
    }).then(function (hit) {
      return hit || new Response("<h1>You're offline</h1>", {
        status: 503, headers: { "Content-Type": "text/html; charset=utf-8" }
      });
    });
  });
}

function cacheable(response, url) {
  var type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.indexOf("text/html") === 0 && !NO_CACHE.test(url.pathname);
}

function remember(request, response) {
  return caches.open(PAGES).then(function (cache) {
    return cache.put(request, response).then(function () { return cache.keys(); })
      .then(function (keys) {
        // Oldest first: drop the excess so the cache can't grow without bound.
        return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES))
          .map(function (key) { return cache.delete(key); }));
      });
  });
}

function warm(urls) {
  // Logged-in pages opened from a cold start offline (dashboard, log form).
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(urls.map(function (path) {
      return cache.match(path).then(function (hit) {
        if (hit) return;
        return fetch(path, { credentials: "same-origin" }).then(function (response) {
          if (cacheable(response, new URL(response.url))) return remember(new Request(path), response);
        }).catch(function () {});
      });
    }));
  });
}

function asset(request, url) {
  var hashed = HASHED.test(url.pathname);
  return caches.match(request).then(function (hit) {
    // Fingerprinted files never change: cache-first. Plain names: network-first.
    if (hit && hashed) return hit;
    return fetch(request).then(function (response) {
      if (hashed && response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      if (hit) return hit;
      var current = CURRENT[url.pathname.replace(HASHED, "$1$2")];
      return (current ? caches.match(current) : Promise.resolve(undefined)).then(function (other) {
        return other || Response.error();
      });
    });
  });
}

function markCopy(response) {
  // Tell the page it is a saved copy (outbox.js then says so and refreshes the log form's time).
  var saved = response.headers.get("Date") || "";
  return response.text().then(function (html) {
    html = html.replace("<head>", '<head><meta name="offline-copy" content="' +
      saved.replace(/[^\w ,:+-]/g, "") + '">');
    return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function postOrQueue(request, kind) {
  // A log form posted natively with a flaky connection: if the network fails, keep the entry in
  // the outbox instead of showing the browser's error page. Its UUID makes a later replay safe
  // even if this POST did reach the server.
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (data) {
      return self.BackReliefOutbox.add(kind, self.BackReliefOutbox.fromFormData(data));
    }).then(function () {
      return Response.redirect("/outbox?saved=1", 303);
    });
  });
}
