// The tracking page's small map: the city's kelurahan and the report's point.
(function () {
  "use strict";
  var element = document.getElementById("case-map");
  if (!element) { return; }
  var lat = parseFloat(element.getAttribute("data-lat"));
  var lon = parseFloat(element.getAttribute("data-lon"));
  var cityMap = window.PatriotCityMap.create(element, { fit: false, scrollWheelZoom: false });
  cityMap.map.setView([lat, lon], 15);
  L.marker([lat, lon], { keyboard: false }).addTo(cityMap.map);
})();
