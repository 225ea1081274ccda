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

  // A partial refreshed by `hx-trigger="sse:<name> throttle:1s"` would lose an event in two ways: htmx drops every
  // event that arrives while the throttle window is open (it throttles on the leading edge only), and an event that
  // arrives while the partial's request is in flight is queued on the element, which an outerHTML swap then removes
  // from the page (htmx sends no request for a removed element). Either way the last change of a burst stayed unseen.
  // So every event that did not send a request at once is remembered by the partial's id, and when the window has
  // closed the partial is refreshed, unless a request for it was sent after the event. Throttled partials need an id.
  var sentAt = {};        // id → when the last request for that partial was sent
  var sentThisTurn = {};  // ids that sent a request in the current task (the event's own refresh)
  var waitingSince = {};  // id → when the latest event not answered by a request arrived (a later request answers all)
  var timers = {};

  function throttleMs(element) {
    var found = /throttle:(\d+)(ms|s)/.exec(element.getAttribute("hx-trigger") || "");
    return found ? Number(found[1]) * (found[2] === "s" ? 1000 : 1) : 0;
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var id = event.detail && event.detail.elt && event.detail.elt.id;
    if (!id) { return; }
    sentAt[id] = performance.now();
    sentThisTurn[id] = true;
    queueMicrotask(function () { delete sentThisTurn[id]; });
  });

  function catchUp(id, eventName, delay, attempts) {
    timers[id] = window.setTimeout(function () {
      delete timers[id];
      var element = document.getElementById(id);
      if (!element || !(id in waitingSince) || (sentAt[id] || -1) >= waitingSince[id] || attempts <= 0) {
        delete waitingSince[id];
        return;
      }
      // A request still in flight will be answered first; look again when it is done.
      if (!element.classList.contains("htmx-request")) { htmx.trigger(element, eventName); }
      catchUp(id, eventName, (element.classList.contains("htmx-request") ? 250 : delay), attempts - 1);
    }, delay);
  }

  document.body.addEventListener("htmx:sseMessage", function (event) {
    var element = event.target;
    var window_ = throttleMs(element);
    var message = event.detail;
    if (!window_ || !message || !element.id || sentThisTurn[element.id]) { return; }
    waitingSince[element.id] = performance.now();
    if (!timers[element.id]) { catchUp(element.id, "sse:" + message.type, window_ + 20, 10); }
  });
})();
