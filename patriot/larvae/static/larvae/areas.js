// Si Tik Tik areas page: kelurahan coloured by ABJ or density figure for the chosen week, RW points (means of at
// least five houses, never a household), confirmed dengue cases over them, and the area's weekly trend.
(function () {
  "use strict";

  var ABJ_SCALE = [[95, "#16a34a"], [90, "#facc15"], [80, "#f97316"], [0, "#dc2626"]];
  var DF_SCALE = ["#16a34a", "#16a34a", "#facc15", "#facc15", "#f97316", "#f97316", "#dc2626", "#dc2626", "#7f1d1d", "#7f1d1d"];
  var NONE = "#e5e7eb";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); });
  }

  function colour(mode, figures) {
    if (!figures || figures.houses === 0) { return NONE; }
    if (mode === "df") { return figures.df == null ? NONE : DF_SCALE[figures.df]; }
    if (figures.abj == null) { return NONE; }
    for (var i = 0; i < ABJ_SCALE.length; i++) { if (figures.abj >= ABJ_SCALE[i][0]) { return ABJ_SCALE[i][1]; } }
    return NONE;
  }

  function legend(element, mode) {
    if (!element) { return; }
    var items = mode === "df"
      ? [["#16a34a", "DF 0–1"], ["#facc15", "DF 2–3"], ["#f97316", "DF 4–5"], ["#dc2626", "DF 6–7"], ["#7f1d1d", "DF 8–9"]]
      : [["#16a34a", "ABJ ≥ 95"], ["#facc15", "ABJ 90–95"], ["#f97316", "ABJ 80–90"], ["#dc2626", "ABJ < 80"]];
    items.push([NONE, "–"]);
    element.innerHTML = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item[0];
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(" " + item[1]));
      element.appendChild(li);
    });
  }

  function fmt(value) { return value == null ? "–" : String(value).replace(".", ","); }

  var mapElement = document.getElementById("larvae-map");
  if (mapElement && window.L) {
    var map = L.map(mapElement, { scrollWheelZoom: false, zoomSnap: 0.25 }).setView([-6.2615, 106.9965], 12);
    var villageLayer = null;
    var rwLayer = L.layerGroup().addTo(map);
    var dengueLayer = L.layerGroup().addTo(map);
    var data = { villages: {}, rws: [] };
    var text = function (name) { return mapElement.getAttribute("data-text-" + name) || ""; };
    var mode = function () {
      var checked = document.querySelector("[data-larvae-mode]:checked");
      return checked ? checked.value : "abj";
    };
    var tooltip = function (name, f) {
      if (!f || !f.houses) { return name + ": " + text("none") + (f && f.dengue_cases ? "; " + f.dengue_cases + " " + text("dengue") : ""); }
      return name + " — ABJ " + fmt(f.abj) + " %, DF " + fmt(f.df) + "; " + f.houses + " " + text("houses") + ", " +
        f.positive_houses + " " + text("positive") + (f.dengue_cases ? "; " + f.dengue_cases + " " + text("dengue") : "");
    };
    var restyle = function () {
      var current = mode();
      legend(document.querySelector("[data-larvae-legend]"), current);
      if (villageLayer) {
        villageLayer.eachLayer(function (polygon) {
          var f = data.villages[polygon.feature.properties.code];
          polygon.setStyle({ color: "#334155", weight: 1, fillColor: colour(current, f), fillOpacity: 0.65 });
          polygon.setTooltipContent(tooltip(polygon.feature.properties.name || "", f));
        });
      }
      rwLayer.clearLayers();
      var showRw = document.querySelector("[data-larvae-rw]");
      if (!showRw || showRw.checked) {
        data.rws.forEach(function (rw) {
          L.circleMarker([rw.lat, rw.lon], {
            radius: 5, color: "#1f2937", weight: 1, fillColor: colour(current, rw), fillOpacity: 0.95
          }).bindTooltip(tooltip(rw.village_name + " RW " + rw.rw, rw)).addTo(rwLayer);
        });
      }
      dengueLayer.clearLayers();
      var showDengue = document.querySelector("[data-larvae-dengue]");
      if (!showDengue || showDengue.checked) {
        if (villageLayer) {
          villageLayer.eachLayer(function (polygon) {
            var f = data.villages[polygon.feature.properties.code];
            if (f && f.dengue_cases) {
              L.circleMarker(polygon.getBounds().getCenter(), {
                radius: 6 + Math.min(f.dengue_cases, 10) * 1.5, color: "#7c3aed", weight: 2, fillColor: "#a78bfa", fillOpacity: 0.6
              }).bindTooltip((polygon.feature.properties.name || "") + ": " + f.dengue_cases + " " + text("dengue")).addTo(dengueLayer);
            }
          });
        }
      }
    };
    getJSON(mapElement.getAttribute("data-villages-url")).then(function (collection) {
      villageLayer = L.geoJSON(collection, {
        style: function () { return { color: "#334155", weight: 1, fillColor: NONE, fillOpacity: 0.65 }; },
        onEachFeature: function (feature, polygon) { polygon.bindTooltip(feature.properties.name || "", { sticky: true }); }
      }).addTo(map);
      villageLayer.bringToBack();
      map.fitBounds(villageLayer.getBounds(), { padding: [8, 8] });
      restyle();
    }).catch(function () { /* polygons missing: the table still has every figure */ });
    var loads = 0;
    var loadData = function () {
      getJSON(mapElement.getAttribute("data-map-url")).then(function (loaded) {
        data = loaded;
        restyle();
        loads += 1;
        mapElement.setAttribute("data-loaded", "true");
        mapElement.setAttribute("data-loads", String(loads));
      }).catch(function () { /* the next live event tries again */ });
    };
    loadData();
    // On the POC dashboard the map listens to the staff stream: each inspection re-reads the areas' figures
    // (never the inspection itself), at most once a second.
    var timer = null;
    mapElement.addEventListener("htmx:sseMessage", function (event) {
      if (event.target !== mapElement) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(loadData, 300);
    });
    document.querySelectorAll("[data-larvae-mode], [data-larvae-dengue], [data-larvae-rw]").forEach(function (input) {
      input.addEventListener("change", restyle);
    });
  }

  var canvas = document.getElementById("larvae-trend");
  if (canvas && window.Chart) {
    getJSON(canvas.getAttribute("data-trend-url")).then(function (trend) {
      new Chart(canvas, {
        type: "line",
        data: {
          labels: trend.weeks.map(function (w) { return w.week; }),
          datasets: [
            { label: "ABJ (%)", data: trend.weeks.map(function (w) { return w.abj; }), borderColor: "#16a34a", yAxisID: "y", spanGaps: true },
            { label: "House Index (%)", data: trend.weeks.map(function (w) { return w.hi; }), borderColor: "#dc2626", yAxisID: "y", spanGaps: true },
            { label: "Breteau Index", data: trend.weeks.map(function (w) { return w.bi; }), borderColor: "#7c3aed", yAxisID: "y2", spanGaps: true, borderDash: [4, 3] }
          ]
        },
        options: {
          maintainAspectRatio: false, animation: false,
          scales: { y: { min: 0, max: 100 }, y2: { position: "right", min: 0, grid: { drawOnChartArea: false } } }
        }
      });
      canvas.setAttribute("data-loaded", "true");
    }).catch(function () {});
  }
})();
