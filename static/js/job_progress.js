// A background job's progress (templates/meetings/_job_progress.html): poll its status once a second
// until it finishes, then show the download link or the error. Works for several jobs on one page.
(function () {
  "use strict";
  function watch(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector(".job-bar");
    var percent = box.querySelector(".job-percent");
    var counts = box.querySelector(".job-counts");
    var label = box.querySelector(".job-label");
    var status = box.querySelector(".job-status");
    var error = box.querySelector(".job-error");
    var download = box.querySelector(".job-download");
    var delay = 1000;
    function show(data) {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
      percent.textContent = data.percent;
      counts.textContent = data.total ? data.done + " / " + data.total : "";
      label.textContent = data.label || "";
      status.textContent = data.status_label;
      if (data.error) {
        error.textContent = data.error;
        error.classList.remove("d-none");
      }
      if (data.status === "succeeded" && data.has_file) download.classList.remove("d-none");
    }
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          show(data);
          delay = 1000;
          if (!data.finished) window.setTimeout(poll, delay);
        })
        .catch(function () {
          // The server restarting or the network dropping: keep asking, less often.
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(poll, delay);
        });
    }
    if (box.getAttribute("data-finished") !== "1") poll();
  }
  document.querySelectorAll(".job-progress[data-status-url]").forEach(watch);
})();
