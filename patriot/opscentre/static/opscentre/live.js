// Pages that stream events (htmx SSE extension, `sse-connect`): a visible connecting / connected / reconnecting
// indicator, and after a reconnect a "live-resync" event on <body> so every partial re-reads the database
// (the database is the truth: an event missed while disconnected never leaves a stale page). The server sends a
// `reload` event instead of replaying what a client missed when that was too much; it resyncs the same way.
(function () {
  "use strict";

  var connectedBefore = false;
  var current = "connecting";
  var watched = new WeakMap();  // EventSource → the event names listened to on it (see watch)

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
    if (source) { watch(event.target, source); }
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

  // A partial refreshed by an event (`hx-trigger="sse:<name> throttle:1s"`, htmx's SSE extension) would miss one in
  // three ways: htmx drops every event that arrives while the throttle window is open (it throttles on the leading
  // edge only); an event that arrives while the partial's request is in flight is queued on the element, which the
  // outerHTML swap then removes from the page (htmx sends no request for a removed element); and after an outerHTML
  // swap htmx sets up the new partial only when it settles (20 ms later, on a busy phone much later): until then it
  // has no listener, and the old partial's listener finds its element gone. Each way the last change of a burst stayed
  // unseen. So live.js listens on the stream itself: after each event, every htmx partial on the page that the event
  // names and that sent no request for it is refreshed once its window has closed, unless a request for it was sent
  // meanwhile. A request in flight is waited for however long a loaded server takes (up to IN_FLIGHT_LIMIT_MS).
  // Such partials need an id.
  var IN_FLIGHT_LIMIT_MS = 60000;
  var sentAt = {};        // id → when the last request for that partial was sent
  var waitingSince = {};  // id → when the latest event not answered by a request arrived (a later request answers all)
  var timers = {};
  var answered = new WeakMap();  // an event's message → ids of the partials whose request it sent

  function throttleMs(element) {
    var found = /throttle:(\d+)(ms|s)/.exec(element.getAttribute("hx-trigger") || "");
    return found ? Number(found[1]) * (found[2] === "s" ? 1000 : 1) : 0;
  }

  function eventNames(element) {
    var names = [];
    var pattern = /(?:^|,)\s*sse:([\w.-]+)/g;
    var found;
    while ((found = pattern.exec(element.getAttribute("hx-trigger") || ""))) { names.push(found[1]); }
    return names;
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var id = event.detail && event.detail.elt && event.detail.elt.id;
    if (!id) { return; }
    sentAt[id] = performance.now();
    var config = event.detail.requestConfig;
    var message = config && config.triggeringEvent && config.triggeringEvent.detail;
    if (message instanceof MessageEvent) {
      if (!answered.has(message)) { answered.set(message, new Set()); }
      answered.get(message).add(id);
    }
  });

  function catchUp(id, eventName, delay, attempts, giveUpAt) {
    timers[id] = window.setTimeout(function () {
      delete timers[id];
      var element = document.getElementById(id);
      var late = performance.now() > giveUpAt;
      if (!element || !(id in waitingSince) || (sentAt[id] || -1) >= waitingSince[id] || attempts <= 0 || late) {
        delete waitingSince[id];
        return;
      }
      if (element.classList.contains("htmx-request")) {
        // A request still in flight will be answered first; look again when it is done (no attempt used).
        catchUp(id, eventName, 250, attempts, giveUpAt);
        return;
      }
      htmx.trigger(element, eventName);
      catchUp(id, eventName, delay, attempts - 1, giveUpAt);
    }, delay);
  }

  function onStreamEvent(root, message) {
    var arrived = performance.now();
    // After every listener of this event has run, htmx's own included.
    window.setTimeout(function () {
      var sent = answered.get(message);
      root.querySelectorAll("[id][hx-get][hx-trigger], [id][data-hx-get][hx-trigger]").forEach(function (element) {
        var id = element.id;
        if (eventNames(element).indexOf(message.type) < 0 || (sent && sent.has(id))) { return; }
        waitingSince[id] = arrived;
        if (!timers[id]) {
          catchUp(id, "sse:" + message.type, throttleMs(element) + 20, 10, performance.now() + IN_FLIGHT_LIMIT_MS);
        }
      });
    }, 0);
  }

  // The event names the page's partials refresh on, listened to once per stream (an EventSource opens again after
  // each reconnect: its "open" comes again, its listeners stay).
  function watch(root, source) {
    if (!watched.has(source)) {
      watched.set(source, new Set());
      source.addEventListener("reload", resync);
    }
    var names = watched.get(source);
    root.querySelectorAll("[hx-trigger]").forEach(function (element) {
      eventNames(element).forEach(function (name) {
        if (names.has(name)) { return; }
        names.add(name);
        source.addEventListener(name, function (message) { onStreamEvent(root, message); });
      });
    });
  }
})();
