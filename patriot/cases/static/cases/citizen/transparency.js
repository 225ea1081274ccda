// The transparency page's chart: reports received and resolved per agency or kelurahan, on-time share as a line.
(function () {
  "use strict";

  var data = document.getElementById("transparency-data");
  var canvas = document.getElementById("transparency-chart");
  if (!data || !canvas || !window.Chart) { return; }
  var chart = JSON.parse(data.textContent);
  new window.Chart(canvas, {
    data: {
      labels: chart.labels,
      datasets: [
        { type: "bar", label: chart.text.received, data: chart.received, backgroundColor: "#93c5fd", yAxisID: "y" },
        { type: "bar", label: chart.text.resolved, data: chart.resolved, backgroundColor: "#15803d", yAxisID: "y" },
        { type: "line", label: chart.text.on_time, data: chart.on_time, borderColor: "#b45309", yAxisID: "share" }
      ]
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        // The axis shows short names (DBMSDA); the tooltip names the agency in full.
        tooltip: { callbacks: { title: function (items) { return items.length ? chart.names[items[0].dataIndex] : ""; } } }
      },
      scales: {
        y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
        share: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false } }
      }
    }
  });
})();
