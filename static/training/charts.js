// Charts on the training results pages (Chart.js, vendored). Each <canvas data-chart="…"> names the
// json_script block that holds its data (data-source) and carries its translated labels.
(function () {
  "use strict";

  function provinceChart(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: canvas.dataset.labelPre, data: data.pre, backgroundColor: "rgba(108,117,125,0.7)" },
          { label: canvas.dataset.labelPost, data: data.post, backgroundColor: "rgba(29,63,114,0.85)" }
        ]
      },
      options: {
        indexAxis: data.labels.length > 10 ? "y" : "x",
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, max: data.labels.length > 10 ? 100 : undefined }, y: { beginAtZero: true } }
      }
    });
  }

  function itemsChart(canvas, data) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: canvas.dataset.labelP, data: data.difficulty, backgroundColor: "rgba(29,63,114,0.85)" },
          { label: canvas.dataset.labelD, data: data.discrimination, backgroundColor: "rgba(255,159,64,0.85)" }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { min: -1, max: 1 } } }
    });
  }

  var charts = { province: provinceChart, items: itemsChart };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var draw = charts[canvas.dataset.chart];
    var source = document.getElementById(canvas.dataset.source);
    if (draw && source) { draw(canvas, JSON.parse(source.textContent)); }
  });
})();
