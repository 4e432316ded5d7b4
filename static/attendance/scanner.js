/* Desk scanner: reads personal QR codes from the camera with jsQR, posts each to the
   check-in endpoint and shows a large green / amber / red result. Rapid mode: the camera
   keeps scanning, the same code is ignored for DEDUP_MS, so the next person can step up
   at once. Manual search by name or phone is the fallback. No secrets here: the CSRF
   token and the scanner pass (a signed note that spares each scan the server's session and
   permission reads; attendance/scanner_pass.py) come from the page, and answers renew the pass. */
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("scanner-strings").textContent);
  var scanUrl = root.dataset.scanUrl;
  var searchUrl = root.dataset.searchUrl;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var scannerPass = root.dataset.scannerPass || "";
  var video = document.getElementById("scanner-video");
  var canvas = document.getElementById("scanner-canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var statusEl = document.getElementById("scanner-camera-status");
  var resultEl = document.getElementById("scanner-result");
  var logEl = document.getElementById("scanner-log");
  var toggle = document.getElementById("scanner-toggle");
  var cameraSelect = document.getElementById("scanner-camera-select");
  var DEDUP_MS = 4000;       // the same code again within this time is the same person still in front of the camera
  var SCAN_EVERY_MS = 120;   // decode ~8 frames a second: quick, and light on a phone's battery
  var recent = {};           // code -> last time it was sent
  var inFlight = false;
  var stream = null;
  var paused = false;
  var lastDecode = 0;

  function nonce() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function setText(selector, text) { resultEl.querySelector(selector).textContent = text || ""; }

  function show(level, title, data) {
    resultEl.className = "scanner-result rounded p-3 mb-3 scanner-" + level;
    setText(".scanner-result-title", title);
    var reg = data && data.registration;
    setText(".scanner-result-name", reg ? reg.name : "");
    setText(".scanner-result-meta", reg ? [reg.province, reg.role].filter(Boolean).join(" · ") : "");
    setText(".scanner-result-message", data && data.message && data.message !== title ? data.message : "");
    resultEl.dataset.code = (data && data.code) || "";
  }

  function log(data) {
    var item = document.createElement("li");
    item.className = "list-group-item px-0 d-flex justify-content-between";
    var left = document.createElement("span");
    left.textContent = (data.registration ? data.registration.name + " — " : "") + data.message;
    var badge = document.createElement("span");
    badge.className = "badge align-self-start text-bg-" + (data.level || "danger");
    badge.textContent = data.checked_in_time || "";
    item.appendChild(left);
    item.appendChild(badge);
    logEl.insertBefore(item, logEl.firstChild);
    while (logEl.children.length > 10) { logEl.removeChild(logEl.lastChild); }
  }

  function post(payload) {
    inFlight = true;
    show("working", strings.working, null);
    payload.nonce = nonce();
    return send(payload, 2).then(function (data) {
      var title = data.code === "ok" ? strings.checkedIn : data.message;
      show(data.level || "danger", title, data);
      log(data);
      if (navigator.vibrate) { navigator.vibrate(data.level === "success" ? 80 : [60, 60, 60]); }
      return data;
    }).catch(function () {
      show("danger", strings.networkError, null);
    }).then(function (data) { inFlight = false; return data; });
  }

  // Retries carry the same nonce, so a request whose reply was lost is recorded once.
  function send(payload, retries) {
    return fetch(scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "X-Scanner-Pass": scannerPass, "Accept": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (data && data.scanner_pass) { scannerPass = data.scanner_pass; }
      return data;
    }).catch(function (error) {
      if (retries > 0) { return send(payload, retries - 1); }
      throw error;
    });
  }

  function onCode(text) {
    var now = Date.now();
    Object.keys(recent).forEach(function (code) { if (now - recent[code] > DEDUP_MS) { delete recent[code]; } });
    if (inFlight || recent[text]) { return; }
    recent[text] = now;
    post({ code: text });
  }

  function tick(time) {
    if (!paused && video.readyState === video.HAVE_ENOUGH_DATA && time - lastDecode >= SCAN_EVERY_MS) {
      lastDecode = time;
      var width = video.videoWidth, height = video.videoHeight;
      // Decode a downscaled frame: personal QR codes are large, and jsQR is linear in pixels.
      var scale = Math.min(1, 640 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { onCode(found.data); }
    }
    window.requestAnimationFrame(tick);
  }

  function stopStream() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
  }

  function startCamera(deviceId) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      statusEl.textContent = strings.cameraNone;
      return;
    }
    stopStream();
    var constraints = { audio: false, video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: "environment" } } };
    navigator.mediaDevices.getUserMedia(constraints).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.setAttribute("playsinline", "");
      return video.play();
    }).then(function () {
      statusEl.hidden = true;
      listCameras();
    }).catch(function () {
      statusEl.hidden = false;
      statusEl.textContent = strings.cameraDenied;
    });
  }

  function listCameras() {
    if (!navigator.mediaDevices.enumerateDevices) { return; }
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var cameras = devices.filter(function (d) { return d.kind === "videoinput"; });
      if (cameras.length < 2) { return; }
      var current = stream && stream.getVideoTracks()[0] && stream.getVideoTracks()[0].getSettings().deviceId;
      cameraSelect.innerHTML = "";
      cameras.forEach(function (camera, i) {
        var option = document.createElement("option");
        option.value = camera.deviceId;
        option.textContent = camera.label || ("Camera " + (i + 1));
        option.selected = camera.deviceId === current;
        cameraSelect.appendChild(option);
      });
      cameraSelect.hidden = false;
    });
  }

  cameraSelect.addEventListener("change", function () { startCamera(cameraSelect.value); });

  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? strings.resume : strings.pause;
    if (paused) { video.pause(); } else { video.play(); }
  });

  // Manual search.
  var searchForm = document.getElementById("scanner-search-form");
  var searchInput = document.getElementById("scanner-search");
  var resultsEl = document.getElementById("scanner-search-results");

  function renderResults(rows) {
    resultsEl.innerHTML = "";
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "list-group-item text-muted";
      empty.textContent = strings.noResults;
      resultsEl.appendChild(empty);
      return;
    }
    rows.forEach(function (row) {
      var item = document.createElement("li");
      item.className = "list-group-item d-flex justify-content-between align-items-center gap-2";
      var info = document.createElement("div");
      var name = document.createElement("div");
      name.className = "fw-semibold";
      name.textContent = row.name;
      var meta = document.createElement("div");
      meta.className = "small text-muted";
      meta.textContent = [row.province, row.role, row.organisation, row.phone_tail ? "…" + row.phone_tail : ""].filter(Boolean).join(" · ");
      info.appendChild(name);
      info.appendChild(meta);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm " + (row.checked_in ? "btn-outline-secondary" : "btn-success");
      button.textContent = row.checked_in ? strings.checkedIn : strings.checkIn;
      button.dataset.registrationId = row.id;
      button.addEventListener("click", function () {
        button.disabled = true;
        post({ registration_id: row.id }).then(function (data) {
          if (data && (data.code === "ok" || data.code === "wrong_venue" || data.code === "already_checked_in")) {
            button.className = "btn btn-sm btn-outline-secondary";
            button.textContent = strings.checkedIn;
          } else {
            button.disabled = false;
          }
        });
      });
      item.appendChild(info);
      item.appendChild(button);
      resultsEl.appendChild(item);
    });
  }

  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = searchInput.value.trim();
    if (q.length < 2) { return; }
    fetch(searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) { renderResults(data.results || []); })
      .catch(function () { show("danger", strings.networkError, null); });
  });

  startCamera();
  window.requestAnimationFrame(tick);
})();
