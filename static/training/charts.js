// Charts on the training results pages (Chart.js, vendored). Data comes from json_script blocks.
function prachumProvinceChart(canvasId, dataId, labels) {
  var data = JSON.parse(document.getElementById(dataId).textContent);
  return new Chart(document.getElementById(canvasId), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: labels.pre, data: data.pre, backgroundColor: "rgba(108,117,125,0.7)" },
        { label: labels.post, data: data.post, backgroundColor: "rgba(29,63,114,0.85)" }
      ]
    },
    options: {
      indexAxis: data.labels.length > 10 ? "y" : "x",
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, max: data.labels.length > 10 ? 100 : undefined }, y: { beginAtZero: true } }
    }
  });
}
function prachumItemsChart(canvasId, dataId, labels) {
  var data = JSON.parse(document.getElementById(dataId).textContent);
  return new Chart(document.getElementById(canvasId), {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: labels.p, data: data.difficulty, backgroundColor: "rgba(29,63,114,0.85)" },
        { label: labels.d, data: data.discrimination, backgroundColor: "rgba(255,159,64,0.85)" }
      ]
    },
    options: { maintainAspectRatio: false, scales: { y: { min: -1, max: 1 } } }
  });
}
