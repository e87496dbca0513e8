// Dashboard charts: data from the JSON block #stats-data, drawn with the vendored Chart.js.
// Every chart has a data table next to it; a click on a bar opens the conversations behind it.
(function () {
  "use strict";
  var block = document.getElementById("stats-data");
  if (!block || !window.Chart) return;
  var data = JSON.parse(block.textContent);
  var palette = ["#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#b91c1c", "#0e7490", "#a16207"];
  var named = {negative: "#d97706", neutral: "#9ca3af", positive: "#16a34a", unclassified: "#cbd5e1",
               critical: "#b91c1c", high: "#ea580c", normal: "#64748b", low: "#10b981"};
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = data[canvas.dataset.chart];
    if (!chart) return;
    var datasets = chart.series.map(function (series, index) {
      var colour = named[series.key] || palette[index % palette.length];
      return {label: series.label, data: series.data, backgroundColor: colour, borderColor: colour};
    });
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: chart.labels, datasets: datasets},
      options: {
        animation: false,
        scales: {x: {stacked: chart.stacked !== false}, y: {stacked: chart.stacked !== false, beginAtZero: true,
                 max: chart.percent ? 100 : undefined}},
        onClick: function (event, elements) {
          if (chart.links && elements.length) window.location.href = chart.links[elements[0].index];
        }
      }
    });
  });
})();
