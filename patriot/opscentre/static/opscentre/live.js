// Pages that stream events (htmx SSE extension, `sse-connect`): a visible connecting / connected / reconnecting
// indicator, and after a reconnect a "live-resync" event on <body> so every partial re-reads the database
// (the database is the truth: an event missed while disconnected never leaves a stale page). The server sends a
// `reload` event instead of replaying what a client missed when that was too much; it resyncs the same way.
(function () {
  "use strict";

  var connectedBefore = false;
  var current = "connecting";
  var listening = new WeakSet();

  function resync() { htmx.trigger(document.body, "live-resync"); }

  function show(state) {
    current = state;
    document.querySelectorAll("[data-live-indicator]").forEach(function (indicator) {
      indicator.setAttribute("data-state", state);
      var text = indicator.getAttribute("data-text-" + state);
      var target = indicator.querySelector("[data-live-text]");
      if (target && text) { target.textContent = text; }
    });
  }

  document.body.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    // An EventSource opens again after each reconnect: one listener per source.
    if (source && !listening.has(source)) {
      listening.add(source);
      source.addEventListener("reload", resync);
    }
    show("connected");
    if (connectedBefore) { resync(); }
    connectedBefore = true;
  });
  // A live refresh swaps in server HTML whose indicator says "connecting" (the server cannot know): give every
  // indicator the stream's real state again after each swap.
  document.body.addEventListener("htmx:afterSettle", function () { show(current); });
  document.body.addEventListener("htmx:sseError", function () { show("reconnecting"); });
  document.body.addEventListener("htmx:sseClose", function () { show("reconnecting"); });
  window.addEventListener("offline", function () { show("reconnecting"); });
})();
