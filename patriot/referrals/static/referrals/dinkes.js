// Dinkes' page: each <canvas data-chart="NAME"> draws the JSON of <script id="NAME"> as a line chart (vendored
// Chart.js). The same figures are in the table under it, for readers without script or sight of the chart.
(function () {
  "use strict";

  var COLOURS = ["#b91c1c", "#c2410c", "#be185d", "#7c3aed", "#ea580c", "#ca8a04", "#dc2626", "#db2777",
    "#9d174d", "#6d28d9", "#1d4ed8", "#0f766e", "#15803d"];

  if (!window.Chart) { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (dataset, index) {
      dataset.borderColor = COLOURS[index % COLOURS.length];
      dataset.backgroundColor = dataset.borderColor;
      dataset.spanGaps = true;
      dataset.pointRadius = 2;
      dataset.borderWidth = 2;
    });
    new Chart(canvas, {
      type: "line",
      data: data,
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { min: 0, max: 100, ticks: { callback: function (value) { return value + " %"; } } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  });
})();
