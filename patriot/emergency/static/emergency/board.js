// PSC 119 dispatch board: incidents by state with running timers (amber/red against the level's response target),
// units on a Leaflet map coloured by status, a visible and audible alarm for a new P1, and the chosen incident's
// suggested units. Everything is re-read from /psc/papan/data/ on each emergency event of the staff stream, and
// after a reconnect (the database is the truth), so nothing needs a reload.
(function () {
  "use strict";

  var root = document.querySelector("[data-board]");
  if (!root) { return; }
  var config = JSON.parse(document.getElementById("board-config").textContent);
  var isDispatcher = root.hasAttribute("data-dispatcher");
  var COLOURS = { green: "#16a34a", orange: "#ea580c", red: "#dc2626", blue: "#2563eb", teal: "#0d9488",
    gray: "#6b7280", yellow: "#eab308", black: "#111827", pink: "#db2777", purple: "#7c3aed" };
  var LEVEL_HEX = { p1: "#b91c1c", p2: "#eab308", p3: "#15803d", p0: "#111827" };

  var incidents = [];
  var known = null; // incident ids seen so far (null before the first read: no alarm for what was already there)
  var selected = null;
  var offset = 0; // server clock − browser clock, ms
  var alarmFor = null;

  // --- sound -------------------------------------------------------------------------------------
  var audio = null;
  var soundButton = root.querySelector("[data-sound]");
  function enableSound() {
    if (!audio) {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      audio = new Context();
    }
    if (audio.state === "suspended") { audio.resume(); }
    soundButton.setAttribute("aria-pressed", "true");
  }
  soundButton.addEventListener("click", function () { enableSound(); beep(1); });
  document.addEventListener("pointerdown", function () { if (audio && audio.state === "suspended") { audio.resume(); } });

  function beep(times) {
    if (!audio || audio.state !== "running") { return; }
    for (var n = 0; n < times; n++) {
      var start = audio.currentTime + n * 0.45;
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = n % 2 ? 660 : 990;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.4);
    }
  }

  // --- alarm -------------------------------------------------------------------------------------
  var alarm = root.querySelector("[data-alarm]");
  function raiseAlarm(id, number) {
    alarmFor = id;
    alarm.querySelector("[data-alarm-text]").textContent = config.texts.alarm.replace("%(number)s", number);
    alarm.hidden = false;
    document.title = "⚠ P1 · " + document.title.replace(/^⚠ P1 · /, "");
    beep(6);
  }
  function clearAlarm() {
    alarm.hidden = true;
    alarmFor = null;
    document.title = document.title.replace(/^⚠ P1 · /, "");
  }
  alarm.querySelector("[data-alarm-ack]").addEventListener("click", clearAlarm);
  alarm.querySelector("[data-alarm-open]").addEventListener("click", function () {
    var id = alarmFor;
    clearAlarm();
    if (id) { select(id); }
  });

  // --- map ---------------------------------------------------------------------------------------
  var map = null, unitLayer = null, incidentLayer = null;
  var mapElement = document.getElementById("psc-map");
  if (window.L && mapElement) {
    map = L.map(mapElement, { center: [-6.2746, 106.99], zoom: 12, zoomSnap: 0.5, attributionControl: false });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
    } else {
      fetch("/api/v1/areas/villages.geojson", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) {
            L.geoJSON(data, { style: { color: "#94a3b8", weight: 1, fillColor: "#f8fafc", fillOpacity: 0.6 }, interactive: false })
              .addTo(map).bringToBack();
          }
        }).catch(function () {});
    }
    incidentLayer = L.layerGroup().addTo(map);
    unitLayer = L.layerGroup().addTo(map);
  }

  // --- rendering ---------------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function clockText(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function timerState(incident, elapsed) {
    if (incident.on_scene) { return "ok"; }
    var target = config.targets[incident.level];
    if (!target) { return "ok"; }
    if (elapsed >= target[1]) { return "red"; }
    if (elapsed >= target[0]) { return "amber"; }
    return "ok";
  }

  function tick() {
    var now = Date.now() + offset;
    root.querySelectorAll("[data-card]").forEach(function (card) {
      var from = Date.parse(card.getAttribute("data-since"));
      var elapsed = (now - from) / 1000;
      card.querySelector(".timer").textContent = clockText(elapsed);
      var incident = { level: card.getAttribute("data-level"), on_scene: card.getAttribute("data-on-scene") };
      var state = timerState(incident, elapsed);
      card.classList.remove("timer-ok", "timer-amber", "timer-red");
      card.classList.add("timer-" + state);
      card.setAttribute("data-timer", state);
    });
  }

  function renderIncidents(fresh) {
    root.querySelectorAll("[data-list]").forEach(function (list) { list.textContent = ""; });
    var counts = {};
    incidents.forEach(function (incident) {
      var list = root.querySelector('[data-list="' + incident.state + '"]');
      if (!list) { return; }
      counts[incident.state] = (counts[incident.state] || 0) + 1;
      var item = el("li");
      var card = el("button", "psc-card");
      card.type = "button";
      card.setAttribute("data-card", incident.id);
      card.setAttribute("data-level", incident.level);
      // The timer runs from the call until the first unit is on scene, then counts time on scene.
      card.setAttribute("data-since", incident.on_scene || incident.received);
      if (incident.on_scene) { card.setAttribute("data-on-scene", "1"); }
      card.setAttribute("aria-pressed", String(incident.id === selected));
      var level = el("span", "level level-" + incident.level, incident.level.toUpperCase());
      card.appendChild(level);
      card.appendChild(el("strong", "", incident.number + " · " + incident.complaint));
      card.appendChild(el("span", "timer", "0:00"));
      card.appendChild(el("span", "meta", (incident.area || "—") + " · " +
        (incident.units.length ? config.texts.units + ": " + incident.units.join(", ") : config.texts.noUnit)));
      if (fresh.indexOf(incident.id) >= 0) { card.classList.add("new"); }
      card.addEventListener("click", function () { select(incident.id); });
      item.appendChild(card);
      list.appendChild(item);
    });
    root.querySelectorAll("[data-state-group]").forEach(function (group) {
      var state = group.getAttribute("data-state-group");
      group.querySelector("[data-count]").textContent = counts[state] || 0;
    });
    tick();
  }

  function renderUnits(units) {
    var body = root.querySelector("[data-units]");
    body.textContent = "";
    units.forEach(function (unit) {
      var row = el("tr");
      row.setAttribute("data-unit-row", unit.id);
      var dot = el("i", "dot dot-" + unit.colour);
      var name = el("td");
      name.appendChild(dot);
      name.appendChild(document.createTextNode(unit.name));
      row.appendChild(name);
      row.appendChild(el("td", "", unit.status_label));
      body.appendChild(row);
    });
    if (!map) { return; }
    unitLayer.clearLayers();
    units.forEach(function (unit) {
      if (unit.lat === null || unit.lon === null) { return; }
      L.circleMarker([unit.lat, unit.lon], { radius: 7, color: "#fff", weight: 2, fillOpacity: 1,
        fillColor: COLOURS[unit.colour] || "#6b7280" })
        .bindTooltip(unit.name + " · " + unit.status_label).addTo(unitLayer);
    });
    incidentLayer.clearLayers();
    incidents.forEach(function (incident) {
      if (incident.lat === null || incident.lon === null) { return; }
      L.circleMarker([incident.lat, incident.lon], { radius: 11, color: LEVEL_HEX[incident.level] || "#111",
        weight: 3, fillOpacity: 0.25 })
        .bindTooltip(incident.number + " · " + incident.level.toUpperCase())
        .on("click", function () { select(incident.id); }).addTo(incidentLayer);
    });
  }

  var loading = null, again = false;
  function refresh() {
    if (loading) { again = true; return loading; }
    loading = fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        offset = Date.parse(data.now) - Date.now();
        incidents = data.incidents;
        var fresh = [];
        if (known) {
          incidents.forEach(function (incident) {
            if (!known[incident.id]) {
              fresh.push(incident.id);
              if (incident.level === "p1" && alarmFor !== incident.id) { raiseAlarm(incident.id, incident.number); }
            }
          });
        }
        known = {};
        incidents.forEach(function (incident) { known[incident.id] = true; });
        renderIncidents(fresh);
        renderUnits(data.units);
        root.setAttribute("data-loaded", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        loading = null;
        if (again) { again = false; refresh(); }
      });
    return loading;
  }

  // --- suggestions and dispatch ------------------------------------------------------------------
  var side = root.querySelector("[data-suggestions]");
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function showPanel(html) {
    side.innerHTML = html;
    side.querySelectorAll("[data-dispatch-form]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button[type=submit]");
        if (button) { button.setAttribute("aria-busy", "true"); button.disabled = true; }
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), "X-Requested-With": "board" } })
          .then(function (response) { return response.text(); })
          .then(function (html) { showPanel(html); refresh(); })
          .catch(function () { if (button) { button.disabled = false; button.removeAttribute("aria-busy"); } });
      });
    });
  }
  function select(id) {
    selected = id;
    root.querySelectorAll("[data-card]").forEach(function (card) {
      card.setAttribute("aria-pressed", String(Number(card.getAttribute("data-card")) === id));
    });
    fetch(config.suggestUrl.replace("{id}", id), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        showPanel(html);
        if (window.innerWidth < 1280) { side.scrollIntoView({ block: "start" }); }
      })
      .catch(function () {});
  }

  // --- live stream -------------------------------------------------------------------------------
  var live = root.querySelector("[data-live]");
  function showLive(state) {
    live.setAttribute("data-state", state);
    live.querySelector("[data-live-text]").textContent = live.getAttribute("data-text-" + state);
  }
  var throttle = null;
  function soon() {
    if (throttle) { return; }
    throttle = setTimeout(function () { throttle = null; refresh(); }, 150);
  }
  var openedBefore = false;
  function connect() {
    var source = new EventSource("/events/stream/");
    source.addEventListener("open", function () {
      showLive("connected");
      if (openedBefore) { refresh(); }
      openedBefore = true;
    });
    source.addEventListener("error", function () { showLive("reconnecting"); });
    source.addEventListener("reload", refresh);
    source.addEventListener("emergency_incident", function (event) {
      try {
        var message = JSON.parse(event.data);
        var payload = message.payload || {};
        if (message.kind === "created" && payload.level === "p1" && known) {
          var id = Number(message.subject_id);
          if (!known[id]) {
            known[id] = true;
            raiseAlarm(id, "119-" + String(id).padStart(6, "0"));
          }
        }
      } catch (error) { /* a frame we cannot read: the refresh below still shows it */ }
      soon();
    });
    source.addEventListener("ambulance", soon);
  }

  refresh().then(connect);
  setInterval(tick, 1000);
  window.addEventListener("online", refresh);
})();
