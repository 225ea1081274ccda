// Patriot's page-wide script: Django's CSRF token on every htmx request and a helper for page scripts.
// Loaded after htmx.min.js from base.html. The CSP allows scripts only from our own origin: keep page logic in
// static files like this one, never in inline <script> or on* attributes.
(function () {
  "use strict";

  // base.html renders the token into <meta name="csrf-token">; reading it there (not from the cookie) keeps
  // working if the CSRF cookie is ever made HttpOnly or moved into the session.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Page scripts that call fetch() themselves use Patriot.csrfToken() for their POSTs.
  window.Patriot = Object.freeze({ csrfToken: csrfToken });
})();
