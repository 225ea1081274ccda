// Case maps on the staff pages: the report's point over its kelurahan polygon (base layer: the city's own areas).
(function () {
  "use strict";
  if (!window.L) { return; }

  document.querySelectorAll("[data-case-map]").forEach(function (element) {
    var lat = parseFloat(element.dataset.lat);
    var lon = parseFloat(element.dataset.lon);
    if (isNaN(lat) || isNaN(lon)) { return; }
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: false }).setView([lat, lon], 15);
    L.circleMarker([lat, lon], {
      radius: 9, weight: 3, color: "#b91c1c", fillColor: "#ef4444", fillOpacity: 0.9
    }).addTo(map);

    fetch(element.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection) { return; }
        var own = null;
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var mine = feature.properties.code === element.dataset.village;
            return mine
              ? { color: "#1e40af", weight: 3, fillColor: "#3b82f6", fillOpacity: 0.12 }
              : { color: "#64748b", weight: 1, fillOpacity: 0.03 };
          },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(feature.properties.name);
            if (feature.properties.code === element.dataset.village) { own = shape; }
          }
        }).addTo(map);
        layer.bringToBack();
        if (own) { map.fitBounds(own.getBounds(), { padding: [12, 12], maxZoom: 16 }); }
      })
      .catch(function () { /* the point alone still shows where the report is */ });
  });
})();
