// Behaviour shared by every page (templates/base.html). The Content-Security-Policy allows no inline
// script or event handler, so pages ask for these through data-* attributes instead.
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting; "Cancel" keeps the page as it is.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <button data-busy="Working…"> in a form: disabled with a spinner once the form is on its way.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector && event.target.querySelector("button[data-busy]");
    if (!button || event.defaultPrevented) { return; }
    button.disabled = true;
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm";
    spinner.setAttribute("aria-hidden", "true");
    button.replaceChildren(spinner, document.createTextNode(" " + button.dataset.busy));
  });

  // <button data-copy="input-id" data-done="Copied">: copies the input's value.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.dataset.copy);
    if (!input) { return; }
    input.select();
    var done = function () { button.textContent = button.dataset.done; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(done, function () { if (document.execCommand("copy")) { done(); } });
    } else if (document.execCommand("copy")) {
      done();
    }
  });

  /* Logging out removes the desk scanner's participant snapshot (names) and its cached pages from
     this browser (static/attendance/scanner.js keeps them; these names are shared with it). The
     queue of unsent scans stays: it holds only codes, and is sent after the next login. */
  var logout = document.getElementById("logout-form");
  if (logout && window.indexedDB) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.wiped) { return; }
      event.preventDefault();
      var submitted = false;
      function submit() { if (!submitted) { submitted = true; logout.dataset.wiped = "1"; logout.submit(); } }
      setTimeout(submit, 1500);  // never keep anybody from logging out
      var snapshot = new Promise(function (resolve) {
        var request = indexedDB.open("prachum-scanner");
        request.onupgradeneeded = function () { request.transaction.abort(); };  // this browser never scanned: create nothing
        request.onerror = request.onblocked = resolve;
        request.onsuccess = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("snapshots")) { db.close(); resolve(); return; }
          var tx = db.transaction("snapshots", "readwrite");
          tx.objectStore("snapshots").clear();
          tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); resolve(); };
        };
      });
      var pages = window.caches ? window.caches.delete("prachum-scanner-pages").catch(function () {}) : null;
      Promise.all([snapshot, pages]).then(submit, submit);
    });
  }
})();
