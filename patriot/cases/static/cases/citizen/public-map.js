// The public map: asks the server only for what is in view — the cases as points when a few hundred at most, else
// clusters with their count (h3 cells, or a grid's squares in a street) which zoom in when tapped — and follows
// the same filters as the list below it.
(function () {
  "use strict";

  var element = document.getElementById("public-map");
  if (!element) { return; }
  var filters = document.querySelector("[data-map-filters]");
  var status = document.querySelector("[data-map-status]");
  var english = (element.getAttribute("data-lang") || "id").indexOf("en") === 0;
  var cityMap = window.PatriotCityMap.create(element);
  var map = cityMap.map;
  var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
  var cells = L.layerGroup();
  map.addLayer(clusters);
  map.addLayer(cells);
  var pending = null;
  var timer = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(filters).forEach(function (value, name) { if (value) { params.append(name, value); } });
    var bounds = map.getBounds();
    params.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(","));
    return params;
  }

  function popup(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = english && props.category_name_en ? props.category_name_en : props.category_name;
    var line = document.createElement("p");
    line.textContent = props.tracking_number + " · " + props.state_label;
    var link = document.createElement("a");
    link.href = "/lacak/" + encodeURIComponent(props.tracking_number) + "/";
    link.textContent = element.getAttribute("data-text-open");
    box.appendChild(title);
    box.appendChild(line);
    box.appendChild(link);
    return box;
  }

  // A cluster's circle grows with the number it holds (38 px for a handful, 60 px for thousands).
  function cellIcon(count) {
    var size = Math.round(Math.min(60, 34 + 6 * Math.log10(Math.max(count, 1))));
    var label = document.createElement("span");
    label.textContent = count.toLocaleString(english ? "en" : "id");
    return L.divIcon({ html: label.outerHTML, className: "cell-marker", iconSize: [size, size] });
  }

  // A tap on a cluster zooms to the box round its cases (at least one level closer), where it splits up.
  function zoomInto(centre, bbox) {
    var zoom = map.getZoom() + 2;
    if (bbox) {
      var bounds = L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
      centre = bounds.getCenter();
      zoom = Math.max(map.getBoundsZoom(bounds.pad(0.2)), map.getZoom() + 1);
    }
    map.setView(centre, Math.min(zoom, map.getMaxZoom()));
  }

  function show(collection) {
    clusters.clearLayers();
    cells.clearLayers();
    var markers = [];
    collection.features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var props = feature.properties;
      if (props.kind === "cell") {
        var cell = L.marker([c[1], c[0]], {
          icon: cellIcon(props.count),
          title: props.count.toLocaleString(english ? "en" : "id") + " " + element.getAttribute("data-text-cell"),
          keyboard: true
        });
        cell.on("click", function () { zoomInto(L.latLng(c[1], c[0]), props.bbox); });
        cells.addLayer(cell);
      } else {
        var marker = L.marker([c[1], c[0]], { title: props.tracking_number });
        marker.bindPopup(function () { return popup(props); });
        markers.push(marker);
      }
    });
    clusters.addLayers(markers);
    element.setAttribute("data-shown", collection.aggregated ? "clusters" : "points");
    status.textContent = collection.total.toLocaleString(english ? "en" : "id") + " " +
      (collection.aggregated ? element.getAttribute("data-text-cell") : "");
    status.hidden = !collection.aggregated;
  }

  function load() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(element.getAttribute("data-cases-url") + "?" + query().toString(), { credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (collection) { show(collection); }
        element.removeAttribute("data-loading");
      })
      .catch(function () { /* a newer request replaced this one */ });
  }

  // data-loading is on the element from a change of view until its answer is drawn (for what reads the page).
  function soon() {
    element.setAttribute("data-loading", "");
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 200);
  }

  cityMap.ready.then(function () {
    load();
    map.on("moveend", soon);
  });
  // Live: a public event (new or changed non-confidential case) re-reads what is in view, as does a reconnect.
  element.addEventListener("htmx:sseMessage", function (event) {
    if (event.target === element) { soon(); }
  });
  document.body.addEventListener("live-resync", soon);
  filters.addEventListener("change", soon);
  filters.addEventListener("submit", function (event) {
    event.preventDefault();
    soon();
  });
})();
