// The city's base map for the citizens' pages: kelurahan polygons from the areas API as the base layer
// (no tile server needed), plus the configured tile layer when PATRIOT_TILE_URL is set.
(function () {
  "use strict";

  var BEKASI = [-6.2615, 106.9965];

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
    var tileUrl = element.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("map--no-tiles");
    }
    var ready = fetch(element.getAttribute("data-villages-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        var layer = L.geoJSON(collection, {
          style: function () {
            return { color: "#1d4ed8", weight: 1, fillColor: "#dbeafe", fillOpacity: tileUrl ? 0.1 : 0.55 };
          },
          onEachFeature: function (feature, polygon) {
            var props = feature.properties || {};
            if (props.name) { polygon.bindTooltip(props.name, { sticky: true, direction: "top" }); }
          }
        }).addTo(map);
        layer.bringToBack();
        if (options.fit !== false) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
        return layer;
      })
      .catch(function () { return null; });
    return { map: map, ready: ready };
  }

  window.PatriotCityMap = Object.freeze({ create: create });
})();
