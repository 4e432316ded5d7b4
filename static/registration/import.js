// Large files: show the upload's progress, then that the rows are being checked; the server's
// answer (the preview page) replaces this page. Without JavaScript the form posts normally.
(function () {
  const form = document.getElementById("import-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const box = document.getElementById("import-progress");
    const bar = box.querySelector(".progress-bar");
    const text = document.getElementById("import-progress-text");
    box.classList.remove("d-none");
    form.querySelector("button[type=submit]").disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      const percent = Math.round(e.loaded * 100 / e.total);
      bar.style.width = percent + "%";
      bar.parentElement.setAttribute("aria-valuenow", percent);
      text.textContent = text.dataset.uploading + " " + percent + "%";
    });
    xhr.upload.addEventListener("load", function () { bar.style.width = "100%"; text.textContent = text.dataset.checking; });
    xhr.addEventListener("load", function () {
      document.open(); document.write(xhr.responseText); document.close();
    });
    xhr.addEventListener("error", function () { form.submit(); });
    xhr.send(new FormData(form));
  });
})();
