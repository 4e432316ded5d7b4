// Quota matrix: "fill column" copies a value into every province of that role; totals follow typing.
// The server applies the same fill on submit, so the page also works without JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("quota-matrix");
  if (!form) return;
  function num(input) {
    var n = parseInt(input.value, 10);
    return isNaN(n) ? 0 : n;
  }
  function recount() {
    var grand = 0;
    form.querySelectorAll("tbody tr").forEach(function (row) {
      var total = 0;
      row.querySelectorAll("input.quota-cell").forEach(function (input) { total += num(input); });
      var cell = row.querySelector(".quota-row-total");
      if (cell) cell.textContent = total;
      grand += total;
    });
    form.querySelectorAll(".quota-col-total").forEach(function (span) {
      var total = 0;
      form.querySelectorAll('input.quota-cell[data-role="' + span.dataset.role + '"]').forEach(function (input) { total += num(input); });
      span.textContent = total;
    });
    var g = document.getElementById("quota-grand-total");
    if (g) g.textContent = grand;
  }
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.classList.contains("quota-fill") && target.value !== "") {
      form.querySelectorAll('input.quota-cell[data-role="' + target.dataset.role + '"]').forEach(function (input) {
        input.value = target.value;
      });
    }
    recount();
  });
})();
