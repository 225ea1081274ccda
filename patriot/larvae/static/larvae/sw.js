/* The jumantik's service worker (served at /jumantik/sw.js): keeps the inspection form and the files it loads so
   the form opens without signal. Pages come from the network first (always fresh when there is a signal); only the
   form page is kept (it holds no household data), and the week page falls back to it when offline. Inspections
   themselves are kept by offline.js in IndexedDB, not here. */
"use strict";
var CACHE = "patriot-jumantik-v1";
var FORM = "/jumantik/periksa/";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.add(new Request(FORM, { credentials: "same-origin" })).catch(function () {});
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).then(function (response) { return keep(request, response); }, function () {
      return caches.match(request, { ignoreSearch: true });
    }));
    return;
  }
  if (request.mode === "navigate" && (url.pathname === FORM || url.pathname === "/jumantik/")) {
    event.respondWith(fetch(request).then(function (response) {
      return url.pathname === FORM ? keep(FORM, response) : response;
    }, function () {
      return caches.match(FORM);
    }));
  }
});
