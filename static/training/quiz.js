// Quiz page: save each answer to the server as it changes (answers survive a reload),
// count down the time limit and submit when it runs out. The server enforces every rule.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var url = form.dataset.autosaveUrl;
  var submitting = false;

  function status(fieldset, text, ok) {
    var el = fieldset.querySelector(".save-status");
    el.textContent = text;
    el.className = "small save-status " + (ok ? "text-success" : "text-danger");
  }

  function countAnswered() {
    var n = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      if (fs.querySelector("input:checked")) n += 1;
    });
    var el = document.getElementById("answered-count");
    if (el) el.textContent = n;
    return n;
  }

  function save(fieldset) {
    var body = new URLSearchParams();
    body.append("question", fieldset.dataset.question);
    fieldset.querySelectorAll("input:checked").forEach(function (input) { body.append("choice", input.value); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (data.ok) { status(fieldset, form.dataset.msgSaved, true); }
        else {
          status(fieldset, data.message, false);
          if (data.code === "time_up" || data.code === "closed" || data.code === "already_submitted") {
            window.location.reload();
          }
        }
      });
    }).catch(function () { status(fieldset, form.dataset.msgFailed, false); });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) { countAnswered(); save(fieldset); }
  });

  form.addEventListener("submit", function (event) {
    if (submitting) { event.preventDefault(); return; }
    if (!form.dataset.timeUp) {
      var total = form.querySelectorAll("fieldset.question").length;
      var message = countAnswered() < total ? form.dataset.msgUnanswered : form.dataset.msgConfirm;
      if (!window.confirm(message)) { event.preventDefault(); return; }
    }
    submitting = true;
    document.getElementById("submit-button").disabled = true;
  });

  var timer = document.getElementById("timer");
  if (timer) {
    var left = parseInt(timer.dataset.secondsLeft, 10);
    var deadline = Date.now() + left * 1000;
    var tick = function () {
      var s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      if (s <= 60) timer.classList.add("text-danger");
      if (s === 0 && !submitting) {
        form.dataset.timeUp = "1";
        clearInterval(handle);
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
