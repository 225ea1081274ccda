// POC dashboard: the map (newest open cases clustered, kelurahan coloured by open or overdue cases) and the
// charts; both re-read the server after live events, and every bar, area and marker leads to its cases.
(function () {
  "use strict";

  var COLOURS = {
    blue: "#2563eb", purple: "#7c3aed", cyan: "#0891b2", teal: "#0d9488", orange: "#ea580c",
    red: "#dc2626", gray: "#6b7280", green: "#16a34a", indigo: "#4f46e5"
  };
  var SCALE = ["#f1f5f9", "#fde68a", "#fbbf24", "#f97316", "#dc2626", "#7f1d1d"];
  var BEKASI = [-6.2615, 106.9965];
  var lang = document.documentElement.lang || "id";
  var CATEGORY_LABEL_WIDTH = 24;  // characters per line of a category name on the bar chart

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); });
  }

  // A long category name as at most `maxLines` lines of about `width` characters, broken between words; what
  // does not fit ends in "…" (the tooltip shows the whole name).
  function wrapLabel(text, width, maxLines) {
    var lines = [];
    var line = "";
    String(text).split(/\s+/).forEach(function (word) {
      while (word.length > width) {
        if (line) { lines.push(line); line = ""; }
        lines.push(word.slice(0, width - 1) + "-");
        word = word.slice(width - 1);
      }
      if (!line) { line = word; } else if ((line + " " + word).length <= width) { line += " " + word; } else {
        lines.push(line);
        line = word;
      }
    });
    if (line) { lines.push(line); }
    if (lines.length > maxLines) {
      lines = lines.slice(0, maxLines);
      var last = lines[maxLines - 1];
      lines[maxLines - 1] = (last.length >= width ? last.slice(0, width - 1) : last).replace(/[\s,;:-]+$/, "") + "…";
    }
    return lines.length > 1 ? lines : lines[0] || "";
  }

  function payloadOf(event) {
    try {
      var message = JSON.parse(event.detail.data);
      return message.payload || null;
    } catch (error) { return null; }
  }

  // --- map ----------------------------------------------------------------------------------
  var mapElement = document.getElementById("ops-map");
  if (mapElement && window.L) {
    var map = L.map(mapElement, { center: BEKASI, zoom: 12, zoomSnap: 0.5, maxZoom: 19, attributionControl: false });
    // The panel's size settles after the layout (control-room grid, charts beside it): keep the map drawn to its
    // box and the city fitted in it.
    if (window.ResizeObserver) {
      var fitted = null;
      new ResizeObserver(function () {
        map.invalidateSize();
        if (villageLayer && fitted !== mapElement.clientHeight) {
          fitted = mapElement.clientHeight;
          map.fitBounds(villageLayer.getBounds(), { padding: [8, 8] });
        }
      }).observe(mapElement);
    }
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 });
    var markers = {};
    var villageCounts = {};
    var villageLayer = null;
    var note = document.querySelector("[data-map-note]");
    var legend = document.querySelector("[data-legend]");
    map.addLayer(clusters);

    var mode = function () {
      var checked = document.querySelector("[data-choropleth]:checked");
      return checked ? checked.value : "open";
    };

    var classes = function (max) {
      var step = Math.max(1, Math.ceil(max / (SCALE.length - 1)));
      return { step: step };
    };

    var colourFor = function (value, scale) {
      if (!value) { return SCALE[0]; }
      return SCALE[Math.min(SCALE.length - 1, 1 + Math.floor((value - 1) / scale.step))];
    };

    var restyle = function () {
      if (!villageLayer) { return; }
      var key = mode();
      var max = 0;
      Object.keys(villageCounts).forEach(function (code) { max = Math.max(max, villageCounts[code][key] || 0); });
      var scale = classes(max);
      villageLayer.eachLayer(function (polygon) {
        var code = polygon.feature.properties.code;
        var counts = villageCounts[code] || { open: 0, overdue: 0 };
        polygon.setStyle({ color: "#334155", weight: 1, fillColor: colourFor(counts[key] || 0, scale), fillOpacity: 0.7 });
        polygon.setTooltipContent(polygon.feature.properties.name + ": " + (counts.open || 0) + " " +
          mapElement.getAttribute("data-text-open") + ", " + (counts.overdue || 0) + " " +
          mapElement.getAttribute("data-text-overdue"));
      });
      if (legend) {
        legend.textContent = "";
        SCALE.forEach(function (colour, n) {
          var item = document.createElement("span");
          var swatch = document.createElement("i");
          swatch.style.background = colour;
          item.appendChild(swatch);
          item.appendChild(document.createTextNode(n === 0 ? "0" : ((n - 1) * scale.step + 1) + (n === SCALE.length - 1 ? "+" : "–" + (n * scale.step))));
          legend.appendChild(item);
        });
      }
    };

    var markerFor = function (point) {
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: 7, weight: 2, color: point.overdue ? "#7f1d1d" : "#1e3a8a",
        fillColor: point.overdue ? "#ef4444" : "#3b82f6", fillOpacity: 0.9
      });
      var box = document.createElement("div");
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.number;
      var title = document.createElement("p");
      title.textContent = (point.title || "") + (point.state_label ? " · " + point.state_label : "");
      box.appendChild(link);
      box.appendChild(title);
      marker.bindPopup(box);
      return marker;
    };

    var loadData = function () {
      getJSON(mapElement.getAttribute("data-map-url")).then(function (data) {
        clusters.clearLayers();
        markers = {};
        var layers = data.points.map(function (point) {
          var marker = markerFor(point);
          markers[point.number] = marker;
          return marker;
        });
        clusters.addLayers(layers);
        villageCounts = data.villages;
        restyle();
        if (note) { note.textContent = data.points.length >= data.cap ? mapElement.getAttribute("data-text-capped") : ""; }
      }).catch(function () { /* the next live event or reload tries again */ });
    };

    getJSON(mapElement.getAttribute("data-villages-url")).then(function (collection) {
      villageLayer = L.geoJSON(collection, {
        style: function () { return { color: "#334155", weight: 1, fillColor: SCALE[0], fillOpacity: 0.7 }; },
        onEachFeature: function (feature, polygon) {
          polygon.bindTooltip(feature.properties.name || "", { sticky: true, direction: "top" });
          polygon.on("click", function () {
            var counts = villageCounts[feature.properties.code];
            if (counts) { window.location.href = counts[mode() + "_url"]; }
          });
        }
      }).addTo(map);
      villageLayer.bringToBack();
      map.fitBounds(villageLayer.getBounds(), { padding: [8, 8] });
      restyle();
    }).catch(function () { /* polygons are decoration; points still show */ });
    loadData();

    var reload = debounce(loadData, 2000);
    document.querySelectorAll("[data-choropleth]").forEach(function (input) { input.addEventListener("change", restyle); });
    mapElement.addEventListener("htmx:sseMessage", function (event) {
      if (event.target !== mapElement) { return; }
      var payload = payloadOf(event);
      if (payload && payload.latitude != null && payload.tracking_number && !markers[payload.tracking_number] &&
          ["submitted", "verified", "dispatched", "assigned", "in_progress"].indexOf(payload.state) >= 0) {
        var marker = markerFor({
          number: payload.tracking_number, lat: payload.latitude, lon: payload.longitude, title: "",
          state_label: "", overdue: payload.sla_status === "overdue",
          url: "/poc/laporan/" + encodeURIComponent(payload.tracking_number) + "/"
        });
        markers[payload.tracking_number] = marker;
        clusters.addLayer(marker);
      }
      reload();
    });
    document.body.addEventListener("live-resync", loadData);
  }

  // --- charts -------------------------------------------------------------------------------
  var chartsPanel = document.querySelector("[data-charts-url]");
  if (chartsPanel && window.Chart) {
    var charts = {};
    var number = function (value) { return Number(value).toLocaleString(lang); };
    var clickTo = function (links) {
      return function (event, elements) {
        if (!elements.length) { return; }
        var element = elements[0];
        var url = Array.isArray(links[0]) ? links[element.datasetIndex][element.index] : links[element.index];
        if (url) { window.location.href = url; }
      };
    };
    var draw = function (name, config) {
      var canvas = chartsPanel.querySelector('[data-chart="' + name + '"]');
      if (!canvas) { return; }
      if (charts[name]) {
        charts[name].data = config.data;
        charts[name].options.onClick = config.options.onClick;
        charts[name].update("none");
        return;
      }
      config.options.maintainAspectRatio = false;
      config.options.animation = false;
      config.options.onHover = function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
      charts[name] = new Chart(canvas, config);
    };
    var loadCharts = function () {
      getJSON(chartsPanel.getAttribute("data-charts-url")).then(function (data) {
        draw("days", {
          type: "bar",
          data: {
            labels: data.days.labels.map(function (day) { return day.slice(5); }),
            datasets: data.days.series.map(function (series) {
              return { label: series.label, data: series.counts, backgroundColor: COLOURS[series.colour] || "#64748b" };
            })
          },
          options: {
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { callback: number } } },
            plugins: { legend: { position: "bottom" } },
            onClick: clickTo(data.days.series.map(function (series) { return series.links; }))
          }
        });
        draw("categories", {
          type: "bar",
          data: { labels: data.categories.labels, datasets: [{ data: data.categories.counts, backgroundColor: "#2563eb" }] },
          options: {
            indexAxis: "y",
            plugins: { legend: { display: false } },
            scales: {
              x: { beginAtZero: true, ticks: { callback: number } },
              // Long names wrap onto two lines instead of running off the canvas's left edge.
              y: { ticks: { autoSkip: false, font: { size: 11 }, callback: function (value) {
                return wrapLabel(this.getLabelForValue(value), CATEGORY_LABEL_WIDTH, 2);
              } } }
            },
            onClick: clickTo(data.categories.links)
          }
        });
        draw("hours", {
          type: "bar",
          data: { labels: data.hours.labels, datasets: [{ data: data.hours.counts, backgroundColor: "#0d9488" }] },
          options: {
            plugins: { legend: { display: false } },
            scales: { y: { beginAtZero: true, ticks: { callback: number } } },
            onClick: clickTo(data.hours.links)
          }
        });
      }).catch(function () { /* tried again on the next live event */ });
    };
    loadCharts();
    var reloadCharts = debounce(loadCharts, 5000);
    chartsPanel.addEventListener("htmx:sseMessage", function (event) {
      if (event.target === chartsPanel) { reloadCharts(); }
    });
    document.body.addEventListener("live-resync", loadCharts);
  }
})();
