// The ambulance crew's phone page: big status buttons whose taps are kept on the phone (localStorage) with their
// time and an idempotency key, and sent in order whenever there is a connection; a tap made without signal is sent
// later with its original time, and the server applies each key once. The page shows what is waiting to be sent.
// While on duty the unit's position is shared (geolocation), every ~15 s while moving.
// Without signal the page itself may come from the phone (the service worker keeps its last copy, core/offline.py):
// the status and step times the server confirmed since that copy are kept here too (localStorage), so a reload
// without signal shows them, and the taps still waiting.
(function () {
  "use strict";

  var root = document.querySelector("[data-crew]");
  if (!root) { return; }
  var machine = JSON.parse(document.getElementById("crew-machine").textContent);
  var storeKey = "patriot-crew-queue-" + root.dataset.ambulance;
  var stateKey = "patriot-crew-state-" + root.dataset.ambulance;
  var status = root.dataset.status;
  var confirmed = {};  // step → time, confirmed by the server since the page was made
  var sending = false;
  var buttons = root.querySelector("[data-crew-buttons]");
  var errorBox = root.querySelector("[data-crew-error]");
  var net = root.querySelector("[data-crew-net]");

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(storeKey, JSON.stringify(queue)); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function clock(iso) {
    var d = new Date(iso);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (n) { return (n < 10 ? "0" : "") + n; }).join(":");
  }

  // What the server confirmed, kept for a copy of this page shown without signal.
  function remember() {
    try {
      localStorage.setItem(stateKey, JSON.stringify({
        status: status, incident: root.dataset.incident, at: Date.now(), stamps: confirmed,
      }));
    } catch (e) { /* storage full or blocked: the page still works */ }
  }
  function restore() {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(stateKey) || "null"); } catch (e) { kept = null; }
    // Only newer than the page (a copy from before these steps) and for the same assignment.
    if (!kept || kept.incident !== root.dataset.incident || kept.at <= Number(root.dataset.renderedAt) * 1000) {
      return;
    }
    status = kept.status;
    confirmed = kept.stamps || {};
    Object.keys(confirmed).forEach(function (action) { showStamp(action, confirmed[action]); });
  }
  function showStamp(action, iso) {
    var time = root.querySelector('[data-stamp="' + action + '"] time');
    if (time) { time.setAttribute("datetime", iso); time.textContent = clock(iso); }
  }

  function setOnline(online) {
    net.textContent = online ? net.dataset.online : net.dataset.offline;
    net.setAttribute("data-state", online ? "online" : "offline");
  }

  function render() {
    var queue = load();
    // The status the crew sees is the server's moved on by the taps still waiting.
    var local = status;
    queue.forEach(function (tap) { local = machine.target[tap.action] || local; });
    root.querySelector("[data-crew-status]").textContent = machine.statusLabels[local] || local;
    buttons.innerHTML = "";
    (machine.allowed[local] || []).forEach(function (action, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "crew__button crew__button--step" + (index === 0 ? " crew__button--next" : "");
      // Clearing at the hospital is the handover at the emergency department.
      button.textContent = action === "clear" && local === "at_hospital" ? machine.handoverLabel : machine.labels[action];
      button.setAttribute("data-action", action);
      button.addEventListener("click", function () { tap(action); });
      buttons.appendChild(button);
    });
    var box = root.querySelector("[data-crew-queue]");
    var list = root.querySelector("[data-crew-queue-list]");
    list.innerHTML = "";
    queue.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = machine.labels[item.action] + " · " + clock(item.at);
      list.appendChild(li);
    });
    box.hidden = queue.length === 0;
    queue.forEach(function (item) { stamp(item.action, item.at); });
  }

  function stamp(action, iso) {
    var time = root.querySelector('[data-stamp="' + action + '"] time');
    if (time && !time.getAttribute("datetime")) { time.textContent = clock(iso); }
  }

  function tap(action) {
    var queue = load();
    queue.push({ key: newKey(), action: action, at: new Date().toISOString() });
    save(queue);
    errorBox.hidden = true;
    render();
    flush();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify(body),
    });
  }

  function flush() {
    // Without a network the phone says so (navigator.onLine false): keep the taps; the "online" event sends them.
    if (sending || navigator.onLine === false) { return; }
    var queue = load();
    if (!queue.length) { return; }
    sending = true;
    var item = queue[0];
    post(root.dataset.stepUrl, item).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        sending = false;
        setOnline(true);
        if (response.status >= 500) { return; }  // kept; tried again later
        if (response.redirected || response.status === 401 || response.status === 403 || (response.ok && !body.status)) {
          // Signed out (session ended while offline): the taps stay on the phone until the crew signs in again.
          errorBox.textContent = root.dataset.signedOut;
          errorBox.hidden = false;
          return;
        }
        var rest = load().filter(function (other) { return other.key !== item.key; });
        save(rest);
        if (response.ok) {
          status = body.status;
          confirmed[item.action] = item.at;
          showStamp(item.action, item.at);
          remember();
        } else {
          // Refused (e.g. the dispatcher moved the unit meanwhile): say why, drop the taps after it, re-read.
          errorBox.textContent = (machine.labels[item.action] || item.action) + ": " + (body.detail || response.status);
          errorBox.hidden = false;
          save([]);
          refresh();
        }
        render();
        flush();
      });
    }).catch(function () {
      sending = false;
      setOnline(false);
    });
  }

  function refresh() {
    fetch(root.dataset.stateUrl, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (body) {
      if (!body) { return; }
      setOnline(true);
      if (String(body.incident || "") !== root.dataset.incident && !load().length) { location.reload(); return; }
      status = body.status;
      remember();
      render();
    }).catch(function () { setOnline(false); });
  }

  // Position: shared while on duty, every ~15 s while moving (at least every minute while standing).
  var lastSent = 0, lastLat = null, lastLon = null;
  function metres(lat1, lon1, lat2, lon2) {
    var r = 6371000, p = Math.PI / 180;
    var a = Math.pow(Math.sin((lat2 - lat1) * p / 2), 2) +
      Math.cos(lat1 * p) * Math.cos(lat2 * p) * Math.pow(Math.sin((lon2 - lon1) * p / 2), 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }
  function onPosition(position) {
    var lat = position.coords.latitude, lon = position.coords.longitude, now = Date.now();
    var moved = lastLat === null || metres(lastLat, lastLon, lat, lon) > 25;
    if (now - lastSent < 15000 || (!moved && now - lastSent < 60000) || status === "out_of_service") { return; }
    lastSent = now;
    post(root.dataset.positionUrl, { latitude: lat, longitude: lon }).then(function (response) {
      if (response.ok) {
        lastLat = lat; lastLon = lon;
        var label = root.querySelector("[data-crew-position]");
        label.textContent = label.dataset.sharing + " " + clock(new Date().toISOString());
      }
    }).catch(function () { setOnline(false); });
  }
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(onPosition, function () {
      var label = root.querySelector("[data-crew-position]");
      label.textContent = label.dataset.denied;
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  }

  window.addEventListener("online", function () { setOnline(true); flush(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () { if (load().length) { flush(); } else { refresh(); } }, 20000);
  setOnline(navigator.onLine !== false);
  restore();
  render();
  flush();
})();
