/* Venue display: fetch the current rotating QR from the server just after each change.
   The server decides the window (its clock, not this screen's), and tells us when it ends. */
(function () {
  "use strict";
  var root = document.getElementById("venue-display");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("venue-display-strings").textContent);
  var qr = document.getElementById("venue-display-qr");
  var present = document.getElementById("venue-display-present");
  var offline = document.getElementById("venue-display-offline");
  var url = root.dataset.codeUrl;

  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        qr.innerHTML = data.svg;  // server-rendered SVG of our own URL
        present.textContent = strings.present.replace("%(count)s", data.present);
        offline.hidden = true;
        // Ask again just after the window changes (plus a little slack for the network).
        window.setTimeout(refresh, Math.max(250, data.expires_in * 1000 + 150));
      })
      .catch(function () {
        offline.hidden = false;
        window.setTimeout(refresh, 2000);
      });
  }

  document.getElementById("venue-display-fullscreen").addEventListener("click", function () {
    if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
  });
  refresh();
})();
