// Registers the service worker a phone page names (core/offline.py): <… data-service-worker="/app/sw.js"
// data-service-worker-scope="/app/">. The page keeps working without it (an old browser, a private window).
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  document.querySelectorAll("[data-service-worker]").forEach(function (element) {
    navigator.serviceWorker.register(element.getAttribute("data-service-worker"), {
      scope: element.getAttribute("data-service-worker-scope"),
    }).catch(function () { /* the open page keeps working without it */ });
  });
})();
