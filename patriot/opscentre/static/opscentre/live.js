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

  // A partial refreshed by `hx-trigger="sse:<name> throttle:1s"` would drop every event that arrives while its
  // throttle window is open (htmx throttles on the leading edge only), so the last change of a burst could stay
  // unseen. An event that did not refresh the partial (no htmx:trigger in the same turn) gets one refresh when the
  // window has closed.
  var lastRefresh = new WeakMap();
  var catchUp = new WeakMap();

  function throttleMs(element) {
    var found = /throttle:(\d+)(ms|s)/.exec(element.getAttribute("hx-trigger") || "");
    return found ? Number(found[1]) * (found[2] === "s" ? 1000 : 1) : 0;
  }

  document.body.addEventListener("htmx:trigger", function (event) { lastRefresh.set(event.target, Date.now()); });
  document.body.addEventListener("htmx:sseMessage", function (event) {
    var element = event.target;
    var window_ = throttleMs(element);
    var message = event.detail;
    if (!window_ || !message || catchUp.has(element)) { return; }
    var since = Date.now() - (lastRefresh.get(element) || 0);
    if (since < 5) { return; }  // this event refreshed it
    catchUp.set(element, window.setTimeout(function () {
      catchUp.delete(element);
      htmx.trigger(element, "sse:" + message.type);
    }, Math.max(window_ - since, 0) + 20));
  });
})();
