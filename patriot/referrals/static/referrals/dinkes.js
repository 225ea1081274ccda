// Dinkes' page: each <canvas data-chart="NAME"> draws the JSON of <script id="NAME"> (vendored Chart.js) as
// its data-chart-kind says: a line chart in percent (default: bed occupancy), "bar" (counts per day),
// "stacked" (answers per hospital, horizontal), "horizontal" (counts per group) or "minutes" (response times).
// The same figures are in the tables beside them, for readers without script or sight of the chart.
(function () {
  "use strict";

  var COLOURS = ["#b91c1c", "#c2410c", "#be185d", "#7c3aed", "#ea580c", "#ca8a04", "#dc2626", "#db2777",
    "#9d174d", "#6d28d9", "#1d4ed8", "#0f766e", "#15803d"];
  // Answers: accepted green, then one colour per rejection reason.
  var ANSWER_COLOURS = ["#15803d", "#b91c1c", "#c2410c", "#ca8a04", "#6b7280"];
  var LEGEND = { position: "bottom", labels: { boxWidth: 12 } };

  function options(kind) {
    var counts = { beginAtZero: true, ticks: { precision: 0 } };
    if (kind === "bar") {
      return { scales: { y: counts }, plugins: { legend: { display: false } } };
    }
    if (kind === "stacked") {
      return { indexAxis: "y", scales: { x: Object.assign({ stacked: true }, counts), y: { stacked: true } },
        plugins: { legend: LEGEND } };
    }
    if (kind === "horizontal") {
      return { indexAxis: "y", scales: { x: counts }, plugins: { legend: { display: false } } };
    }
    if (kind === "minutes") {
      return { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { callback: function (value) { return value + " min"; } } } },
        plugins: { legend: LEGEND } };
    }
    return {
      interaction: { mode: "index", intersect: false },
      scales: { y: { min: 0, max: 100, ticks: { callback: function (value) { return value + " %"; } } } },
      plugins: { legend: LEGEND }
    };
  }

  if (!window.Chart) { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var kind = canvas.getAttribute("data-chart-kind") || "line";
    var palette = kind === "stacked" ? ANSWER_COLOURS : COLOURS;
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (dataset, index) {
      dataset.borderColor = palette[index % palette.length];
      dataset.backgroundColor = dataset.borderColor;
      if (kind === "line") {
        dataset.spanGaps = true;
        dataset.pointRadius = 2;
        dataset.borderWidth = 2;
      }
    });
    var settings = options(kind);
    settings.animation = false;
    settings.maintainAspectRatio = false;
    new Chart(canvas, { type: kind === "line" ? "line" : "bar", data: data, options: settings });
  });
})();
