// The emergency panel of the POC dashboard and the mayor's workspace, live: each `emergency_overview` event on the
// page's stream (htmx SSE extension, sse-connect on the page) carries the city's figures (emergency.dispatch.
// overview_payload: counts, kecamatan totals at the kecamatan's centre, units by status, points of units at rest;
// never a patient, caller or address) and this script writes them into the panel in place. After a reconnect the
// panel's body is read again from the database (live-resync, opscentre/live.js).
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var listening = new WeakSet();
  var latest = null;
  var scheduled = false;

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  // The same projection as emergency/views/dispatch.py _svg_map: Kota Bekasi's box onto the viewBox.
  function projector(svg) {
    var box = svg.getAttribute("data-box").split(",").map(Number);  // south, north, west, east
    var view = svg.viewBox.baseVal;
    return function (lat, lon) {
      return [
        Math.round((lon - box[2]) / (box[3] - box[2]) * view.width * 10) / 10,
        Math.round((box[1] - lat) / (box[1] - box[0]) * view.height * 10) / 10,
        view.width,
        view.height,
      ];
    };
  }

  function renderMap(svg, data) {
    var project = projector(svg);
    var areas = svg.querySelector("[data-areas]");
    var units = svg.querySelector("[data-units]");
    areas.replaceChildren();
    data.areas.forEach(function (area) {  // [name, lat, lon, count]
      var point = project(area[1], area[2]);
      var group = svgElement("g", {});
      var circle = svgElement("circle", {
        cx: point[0], cy: point[1], r: Math.min(24, 6 + 3 * area[3]), "class": "psc-panel-area",
      });
      var title = svgElement("title", {});
      title.textContent = area[0] + ": " + area[3];
      circle.appendChild(title);
      var text = svgElement("text", { x: point[0], y: point[1], dy: 4, "text-anchor": "middle" });
      text.textContent = String(area[3]);
      group.appendChild(circle);
      group.appendChild(text);
      areas.appendChild(group);
    });
    units.replaceChildren();
    data.units.forEach(function (unit) {  // [lat, lon, colour]
      var point = project(unit[0], unit[1]);
      if (point[0] < 0 || point[0] > point[2] || point[1] < 0 || point[1] > point[3]) { return; }
      units.appendChild(svgElement("circle", {
        cx: point[0], cy: point[1], r: 3.5, "class": "psc-panel-unit unit-" + unit[2],
      }));
    });
  }

  function render(panel, data) {
    var total = panel.querySelector("[data-total]");
    if (total) { total.textContent = String(data.total); }
    panel.querySelectorAll("tr[data-state]").forEach(function (row) {
      var counts = data.table[row.getAttribute("data-state")] || [];
      row.querySelectorAll("td").forEach(function (cell, index) { cell.textContent = String(counts[index] || 0); });
    });
    panel.querySelectorAll("[data-status]").forEach(function (badge) {
      var count = data.unit_counts[badge.getAttribute("data-status")] || 0;
      badge.querySelector("[data-count]").textContent = String(count);
      badge.hidden = count === 0;
    });
    var svg = panel.querySelector("svg[data-box]");
    if (svg) { renderMap(svg, data); }
  }

  function show() {
    scheduled = false;
    if (!latest) { return; }
    document.querySelectorAll("[data-emergency-panel]").forEach(function (panel) { render(panel, latest); });
  }

  function receive(message) {
    var frame;
    try { frame = JSON.parse(message.data); } catch (error) { return; }
    if (!frame || !frame.payload || !frame.payload.table) { return; }
    latest = frame.payload;  // several in one burst: only the newest is drawn
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(show);
    }
  }

  document.body.addEventListener("htmx:sseOpen", function (event) {
    var source = event.detail && event.detail.source;
    // An EventSource opens again after each reconnect: one listener per source.
    if (source && !listening.has(source)) {
      listening.add(source);
      source.addEventListener("emergency_overview", receive);
    }
  });
})();
