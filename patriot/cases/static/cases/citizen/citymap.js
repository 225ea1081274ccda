// The city's base map for the citizens' pages: a street base map (PATRIOT_TILE_URL, OpenStreetMap's by default,
// with its attribution) over the kelurahan polygons from the areas API. When tiles cannot be loaded the polygons
// become the base map (filled, as without tiles) and a note under the map says so.
(function () {
  "use strict";

  var BEKASI = [-6.2615, 106.9965];
  // Tiles failing this many times before one loads means the tile server cannot be reached.
  var FAILURES_BEFORE_FALLBACK = 3;
  // No tile loaded this long after the map opened means the tile server hangs (a blocked or dead route): the same.
  var TILE_WAIT_MS = 8000;
  // A place chosen by name is shown this close on a street map; without tiles the polygons are all there is to
  // see, so the view never comes closer than FALLBACK_MAX_ZOOM and the kelurahan's outline stays in view.
  var PLACE_ZOOM = 17;
  var FALLBACK_MAX_ZOOM = 15;

  function fallbackNote(element) {
    var note = document.createElement("p");
    note.className = "map-note";
    note.setAttribute("role", "status");
    note.setAttribute("data-tiles-failed", "");
    note.textContent = element.getAttribute("data-text-tiles-failed") || "";
    element.insertAdjacentElement("afterend", note);
  }

  function create(element, options) {
    options = options || {};
    var map = L.map(element, {
      center: BEKASI,
      zoom: 12,
      zoomSnap: 0.5,
      maxZoom: 19,
      scrollWheelZoom: options.scrollWheelZoom !== false,
      attributionControl: false
    });
    // The current zoom on the element, for what reads the page (the browser tests among them).
    map.on("zoomend", function () { element.setAttribute("data-zoom", String(map.getZoom())); });
    var tileUrl = element.getAttribute("data-tile-url");
    var villages = null;
    var tilesFailed = !tileUrl;
    var styleFor = function () {
      return { color: "#1d4ed8", weight: 1, fillColor: "#dbeafe", fillOpacity: tilesFailed ? 0.55 : 0.08 };
    };
    if (tileUrl) {
      // OpenStreetMap's tiles always carry their attribution, even on a page that did not pass one.
      var osm = tileUrl.indexOf("openstreetmap.org") !== -1;
      var attribution = element.getAttribute("data-tile-attribution") || (osm ? "© OpenStreetMap contributors" : "");
      var attributionUrl = element.getAttribute("data-tile-attribution-url") ||
        (osm ? "https://www.openstreetmap.org/copyright" : "");
      var control = L.control.attribution({ prefix: false }).addTo(map);
      var tiles = L.tileLayer(tileUrl, { maxZoom: 19 });
      var loaded = false;
      var failures = 0;
      var fallBack = function () {
        if (loaded || tilesFailed) { return; }
        tilesFailed = true;
        map.removeLayer(tiles);
        map.removeControl(control);  // no tiles shown, no tile attribution
        element.classList.add("map--no-tiles");
        element.setAttribute("data-tiles", "failed");
        if (villages) { villages.setStyle(styleFor()); }
        fallbackNote(element);
      };
      tiles.on("tileload", function () { loaded = true; });
      tiles.on("tileerror", function () {
        failures += 1;
        if (failures >= FAILURES_BEFORE_FALLBACK) { fallBack(); }
      });
      window.setTimeout(fallBack, TILE_WAIT_MS);
      tiles.addTo(map);
      if (attribution) {
        // Built from text nodes: the attribution is a setting, never HTML.
        var link = document.createElement(attributionUrl ? "a" : "span");
        if (attributionUrl) { link.href = attributionUrl; link.rel = "noopener"; link.target = "_blank"; }
        link.textContent = attribution;
        var holder = document.createElement("span");
        holder.appendChild(link);
        control.addAttribution(holder.innerHTML);
      }
      element.setAttribute("data-tiles", "on");
    } else {
      element.classList.add("map--no-tiles");
      element.setAttribute("data-tiles", "off");
    }
    var ready = fetch(element.getAttribute("data-villages-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        villages = L.geoJSON(collection, {
          style: styleFor,
          onEachFeature: function (feature, polygon) {
            var props = feature.properties || {};
            if (props.name) { polygon.bindTooltip(props.name, { sticky: true, direction: "top" }); }
          }
        }).addTo(map);
        villages.bringToBack();
        if (options.fit !== false) { map.fitBounds(villages.getBounds(), { padding: [8, 8], animate: false }); }  // the first view: no animation, so the first read of the cases in view already has the city's box
        return villages;
      })
      .catch(function () { return null; });
    // The kelurahan polygon around a point: the smallest whose bounds hold it (polygons do not overlap).
    function villageAround(latlng) {
      var best = null;
      var bestArea = Infinity;
      if (!villages) { return null; }
      villages.eachLayer(function (polygon) {
        var bounds = polygon.getBounds();
        if (!bounds.contains(latlng)) { return; }
        var area = (bounds.getNorth() - bounds.getSouth()) * (bounds.getEast() - bounds.getWest());
        if (area < bestArea) { best = polygon; bestArea = area; }
      });
      return best;
    }
    function showPlace(lat, lon) {
      if (!tilesFailed) { map.setView([lat, lon], Math.max(map.getZoom(), PLACE_ZOOM), { animate: false }); return; }
      var around = villageAround(L.latLng(lat, lon));
      if (around) {
        map.fitBounds(around.getBounds(), { padding: [16, 16], maxZoom: FALLBACK_MAX_ZOOM, animate: false });
      } else {
        map.setView([lat, lon], Math.min(Math.max(map.getZoom(), 14), FALLBACK_MAX_ZOOM), { animate: false });
      }
    }
    return { map: map, ready: ready, showPlace: showPlace };
  }

  window.PatriotCityMap = Object.freeze({ create: create });
})();
