// The public bed board: a map of the hospitals (vendored Leaflet; tiles only when PATRIOT_TILE_URL is set, else a
// plain background) and live figures from the public event stream (/events/public/, event "beds": hospital code,
// bed type, free, total, update time only). Figures older than the stale age turn stale while the page is open.
(function () {
  "use strict";

  var page = document.getElementById("bed-board");
  if (!page) { return; }
  var staleMs = parseInt(page.getAttribute("data-stale-seconds"), 10) * 1000;
  var onlyType = page.getAttribute("data-bed-type");
  var lang = document.documentElement.lang || "id";
  var pattern = page.getAttribute("data-time-pattern") || "";
  var zoneName = page.getAttribute("data-zone-name") || "";
  var intlFormat = new Intl.DateTimeFormat(lang === "en" ? "en-US" : "id-ID", {
    timeZone: "Asia/Jakarta", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"
  });
  var partsFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Jakarta", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23"
  });

  // A time as the server writes it (Django's SHORT_DATETIME_FORMAT letters d m Y y H G i j n, then the zone);
  // another pattern falls back to the browser's own format.
  function formatTime(date) {
    var parts = {};
    partsFormat.formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    var letters = {
      d: parts.day, j: String(parseInt(parts.day, 10)), m: parts.month, n: String(parseInt(parts.month, 10)),
      Y: parts.year, y: parts.year.slice(-2), H: parts.hour, G: String(parseInt(parts.hour, 10)), i: parts.minute
    };
    var out = "";
    for (var index = 0; index < pattern.length; index++) {
      var ch = pattern.charAt(index);
      if (/[A-Za-z]/.test(ch)) {
        if (!(ch in letters)) { return intlFormat.format(date) + " " + zoneName; }
        out += letters[ch];
      } else {
        out += ch;
      }
    }
    return (out || intlFormat.format(date)) + " " + zoneName;
  }

  // --- map ------------------------------------------------------------------------------------------------------
  var markers = {};
  var points = {};
  var mapElement = document.getElementById("bed-map");
  var dataElement = document.getElementById("bed-points");
  var freeLabel = mapElement ? mapElement.getAttribute("data-free-label") : "";
  var staleLabel = mapElement ? mapElement.getAttribute("data-stale-label") : "";

  function freeOf(point) {
    var free = 0;
    var current = false;
    point.beds.forEach(function (bed) {
      if (bed.free !== null) { free += bed.free; current = true; }
    });
    return current ? free : null;
  }

  function colour(free) {
    if (free === null) { return "#6b7280"; }
    return free > 0 ? "#15803d" : "#b91c1c";
  }

  function popup(point) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = point.name;
    box.appendChild(title);
    point.beds.forEach(function (bed) {
      var line = document.createElement("div");
      line.textContent = bed.label + ": " + (bed.free === null ? "– (" + staleLabel + ")" : bed.free + " " + freeLabel) +
        " / " + bed.total;
      box.appendChild(line);
    });
    return box;
  }

  function drawMarker(point) {
    var free = freeOf(point);
    var marker = markers[point.code];
    var text = free === null ? "–" : String(free);
    marker.setStyle({ color: colour(free), fillColor: colour(free) });
    marker.setTooltipContent(text);
    marker.setPopupContent(popup(point));
  }

  if (mapElement && dataElement && window.L) {
    var list = JSON.parse(dataElement.textContent);
    var map = L.map(mapElement, { zoomSnap: 0.5, maxZoom: 18, attributionControl: false, scrollWheelZoom: false });
    var tileUrl = mapElement.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
    } else {
      mapElement.classList.add("bed-map--no-tiles");
    }
    var bounds = [];
    list.forEach(function (point) {
      points[point.code] = point;
      var marker = L.circleMarker([point.lat, point.lon], { radius: 11, weight: 2, fillOpacity: 0.85 });
      marker.bindTooltip("", { permanent: true, direction: "center", className: "bed-map-count" });
      marker.bindPopup("");
      marker.addTo(map);
      markers[point.code] = marker;
      drawMarker(point);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [32, 32], maxZoom: 15 });
    } else {
      map.setView(bounds[0], 14);
    }
  }

  // --- figures ----------------------------------------------------------------------------------------------------
  var staleText = page.getAttribute("data-stale-label");

  function markStale(row, stale) {
    row.classList.toggle("stale", stale);
    var badge = row.querySelector("[data-stale-badge]");
    if (stale && !badge) {
      badge = document.createElement("span");
      badge.className = "badge badge-gray";
      badge.setAttribute("data-stale-badge", "");
      badge.textContent = staleText;
      var cell = row.querySelector("[data-updated-label]").parentNode;
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(badge);
    } else if (!stale && badge) {
      badge.remove();
    }
  }

  function setPointBed(code, type, free, total) {
    var point = points[code];
    if (!point) { return; }
    point.beds.forEach(function (bed) {
      if (bed.type === type) { bed.free = free; bed.total = total; }
    });
    drawMarker(point);
  }

  function update(payload) {
    if (onlyType && payload.bed_type !== onlyType) { return; }
    var row = page.querySelector('tbody[data-hospital="' + CSS.escape(payload.hospital) + '"] tr[data-bed-type="' +
      CSS.escape(payload.bed_type) + '"]');
    if (!row) { return; }
    row.setAttribute("data-updated", payload.updated_at);
    row.querySelector("[data-free]").textContent = String(payload.free);
    row.querySelector("[data-total]").textContent = String(payload.total);
    row.querySelector("[data-updated-label]").textContent = formatTime(new Date(payload.updated_at));
    markStale(row, false);
    row.classList.remove("changed");
    void row.offsetWidth;  // restart the highlight
    row.classList.add("changed");
    setPointBed(payload.hospital, payload.bed_type, payload.free, parseInt(payload.total, 10));
  }

  function ageRows() {
    var now = Date.now();
    page.querySelectorAll("tr[data-updated]").forEach(function (row) {
      var updated = Date.parse(row.getAttribute("data-updated"));
      if (!row.classList.contains("stale") && now - updated > staleMs) {
        markStale(row, true);
        row.querySelector("[data-free]").textContent = "–";
        setPointBed(row.closest("tbody").getAttribute("data-hospital"), row.getAttribute("data-bed-type"), null,
          parseInt(row.querySelector("[data-total]").textContent, 10));
      }
    });
  }
  window.setInterval(ageRows, 60000);

  if (window.EventSource) {
    var status = page.querySelector("[data-live-status]");
    var source = new EventSource(page.getAttribute("data-stream-url"));
    source.addEventListener("open", function () { status.hidden = false; page.setAttribute("data-live", "1"); });
    source.addEventListener("error", function () { status.hidden = true; page.removeAttribute("data-live"); });
    source.addEventListener("beds", function (event) {
      try { update(JSON.parse(event.data).payload); } catch (error) { /* a malformed frame changes nothing */ }
    });
    // Too much missed while away: read the board again.
    source.addEventListener("reload", function () { window.location.reload(); });
  }
})();
