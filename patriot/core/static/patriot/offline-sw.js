/* Patriot's service worker for phone pages that must open without signal (Si Tik Tik's inspection form, the
   ambulance crew's page). One script for every such page: core/offline.py serves it under the app's own prefix
   (a script under /static/ could only control /static/), after a first line that sets OFFLINE = {cache, pages,
   fallbacks, staticUrl} for that app.

   - Pages come from the network first (always fresh with a signal). Each page in OFFLINE.pages is kept when it
     answers 200 to the signed-in user, with the static files it names, and shown from the phone when there is no
     signal; a navigation in OFFLINE.fallbacks shows its kept page. A kept page that now answers with a redirect (signed
     out) or a refusal is dropped from the phone.
   - Static files: network first, the kept copy without signal.
   - Only this worker's cache family (OFFLINE.cache up to its "-v") is cleaned on activation: the other apps'
     workers on this origin keep theirs.
   What the page queues while offline (taps, inspections) is kept by the page's own script, not here. */
"use strict";
/* global OFFLINE */
var CACHE = OFFLINE.cache;
var FAMILY = CACHE.slice(0, CACHE.lastIndexOf("-v") + 2);

function usable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

// The same-origin static files a page's HTML names (src="…", href="…"), to keep beside it.
function filesOf(html) {
  var files = [];
  var pattern = /(?:src|href)="([^"]+)"/g;
  var match;
  while ((match = pattern.exec(html)) !== null) {
    var url = match[1].replace(/&amp;/g, "&");
    if (url.indexOf(OFFLINE.staticUrl) === 0) { files.push(url); }
  }
  return files;
}

// Keep a page answered from the network, with its files; drop the kept copy when it answers a signed-out visitor.
function keepPage(path, response) {
  return caches.open(CACHE).then(function (cache) {
    if (!usable(response)) {
      return response && (response.redirected || response.status === 401 || response.status === 403)
        ? cache.delete(path) : undefined;
    }
    return response.clone().text().then(function (html) {
      return cache.put(path, response.clone()).then(function () {
        return Promise.all(filesOf(html).map(function (url) {
          return cache.match(url).then(function (kept) { return kept || cache.add(url).catch(function () {}); });
        }));
      });
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(Promise.all(OFFLINE.pages.map(function (path) {
    return fetch(new Request(path, { credentials: "same-origin" })).then(function (response) {
      return keepPage(path, response);
    }).catch(function () {});
  })).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(FAMILY) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(OFFLINE.staticUrl) === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (usable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }, function () {
      return caches.match(request, { ignoreSearch: true });
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  var kept = OFFLINE.pages.indexOf(url.pathname) >= 0;
  var fallback = kept ? url.pathname : OFFLINE.fallbacks[url.pathname];
  if (!fallback) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (kept) { event.waitUntil(keepPage(url.pathname, response.clone())); }
    return response;
  }, function () {
    return caches.open(CACHE).then(function (cache) { return cache.match(fallback); }).then(function (copy) {
      return copy || Response.error();
    });
  }));
});
