// Chart.js draws on a canvas, and a canvas uses only the fonts it is given: without this a device with
// no Thai system font draws the labels as empty boxes. Load after chart.umd.min.js, before any chart.
// Sarabun is declared in css/sarabun.css; a canvas does not wait for a web font, so once the faces
// have loaded every chart is drawn again with them.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  Chart.defaults.font.family = '"Sarabun", system-ui, sans-serif';
  if (!document.fonts || !document.fonts.load) { return; }
  Promise.all([document.fonts.load('400 12px "Sarabun"', "ก"), document.fonts.load('700 12px "Sarabun"', "ก")]).then(function () {
    Object.keys(Chart.instances).forEach(function (id) { Chart.instances[id].update("none"); });
  });
})();
