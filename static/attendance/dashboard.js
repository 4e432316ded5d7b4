/* Live attendance dashboard.
 *
 * The server sends a full snapshot on connect and absolute counts afterwards: an "update" replaces
 * what is shown, a "patch" carries the new totals and only the province, role and region rows
 * (absolute numbers) and lists that changed since the message before it on this socket. When the socket drops (server restart, network, channel layer
 * down) the page reconnects with a growing, jittered pause and gets a fresh snapshot.
 */
(function () {
  "use strict";
  var root = document.getElementById("live-dashboard");
  if (!root) { return; }
  var labels = JSON.parse(document.getElementById("live-labels").textContent);
  var text = JSON.parse(document.getElementById("live-text").textContent);
  var scope = root.dataset.scope;
  var locale = root.dataset.language === "en" ? "en-GB" : "th-TH";
  var numberFormat = new Intl.NumberFormat(locale);
  var timeFormat = new Intl.DateTimeFormat(locale, {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: "Asia/Bangkok"});
  var statusEl = document.getElementById("live-status");
  var alertEl = document.getElementById("live-alert");
  var sortBy = "code";
  var state = null;
  var chart = null;
  var seenFeed = {};
  var socket = null;
  var attempt = 0;
  var stopped = false;
  var retryTimer = null;

  function fmt(n) { return numberFormat.format(n); }
  function rateClass(registered, percent) {
    if (!registered) { return "rate-none"; }
    if (percent >= 90) { return "rate-4"; }
    if (percent >= 75) { return "rate-3"; }
    if (percent >= 50) { return "rate-2"; }
    if (percent >= 25) { return "rate-1"; }
    return "rate-0";
  }
  function provinceName(code) { return labels.provinces[code] || code; }
  // The server's order of the provinces by name (Thai dictionary order; meetings/collation.py).
  var provinceRank = {};
  (labels.province_order || []).forEach(function (code, i) { provinceRank[code] = i; });
  function byProvinceName(a, b) {
    var ar = a.code in provinceRank ? provinceRank[a.code] : Infinity, br = b.code in provinceRank ? provinceRank[b.code] : Infinity;
    return ar - br || provinceName(a.code).localeCompare(provinceName(b.code), locale);
  }
  function roleName(code) { return labels.roles[code] || code; }
  function regionName(code) { return labels.regions[code] || code; }

  function setStatus(kind) {
    var styles = {connected: "text-bg-success", connecting: "text-bg-secondary", reconnecting: "text-bg-warning", login: "text-bg-danger", forbidden: "text-bg-danger"};
    statusEl.className = "badge rounded-pill fs-6 " + (styles[kind] || "text-bg-secondary");
    statusEl.textContent = text[kind] || kind;
    statusEl.dataset.state = kind;
  }

  function renderTotals(totals) {
    root.querySelectorAll("[data-total]").forEach(function (el) {
      var key = el.dataset.total;
      el.textContent = key === "percent" ? totals.percent.toFixed(1) : fmt(totals[key]);
    });
    document.getElementById("live-progress").style.width = Math.min(100, totals.percent) + "%";
    document.getElementById("live-wrong-venue-wrap").classList.toggle("d-none", !totals.wrong_venue);
  }

  function renderProvinces(provinces) {
    var rows = provinces.slice();
    if (sortBy === "rate") {
      rows.sort(function (a, b) {
        var ar = a.registered ? a.percent : 1000, br = b.registered ? b.percent : 1000;
        return ar - br || byProvinceName(a, b);
      });
    } else {
      rows.sort(byProvinceName);
    }
    var body = document.getElementById("live-provinces");
    var existing = {};
    body.querySelectorAll("tr").forEach(function (tr) { existing[tr.dataset.code] = tr; });
    rows.forEach(function (p) {
      var tr = existing[p.code];
      if (!tr) {
        tr = document.createElement("tr");
        tr.dataset.code = p.code;
        tr.innerHTML = '<th scope="row"></th><td class="text-end"></td><td class="text-end"></td><td class="text-end"></td><td class="text-end"></td>';
        tr.children[0].textContent = provinceName(p.code);
      }
      tr.className = rateClass(p.registered, p.percent);
      tr.children[1].textContent = fmt(p.registered);
      tr.children[2].textContent = fmt(p.checked_in);
      tr.children[3].textContent = p.registered ? p.percent.toFixed(1) : "–";
      tr.children[4].textContent = fmt(p.late);
      body.appendChild(tr);  // re-appending keeps rows in the current order
    });
  }

  function renderRoles(roles) {
    var body = document.getElementById("live-roles");
    body.textContent = "";
    roles.forEach(function (r) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = roleName(r.code);
      var a = document.createElement("td");
      a.className = "text-end";
      a.textContent = fmt(r.checked_in) + " (" + r.percent.toFixed(0) + "%)";
      var b = document.createElement("td");
      b.className = "text-end";
      b.textContent = fmt(r.registered);
      tr.append(th, a, b);
      body.appendChild(tr);
    });
  }

  function renderFeed(items) {
    var list = document.getElementById("live-feed");
    list.textContent = "";
    document.getElementById("live-feed-empty").classList.toggle("d-none", items.length > 0);
    var firstRender = Object.keys(seenFeed).length === 0;
    items.forEach(function (item) {
      var li = document.createElement("li");
      if (!firstRender && !seenFeed[item.id]) { li.className = "fresh"; }
      seenFeed[item.id] = true;
      var time = document.createElement("span");
      time.className = "time me-2";
      time.textContent = timeFormat.format(new Date(item.at));
      var name = document.createElement("strong");
      name.textContent = item.name;
      var meta = document.createElement("div");
      meta.className = "small text-muted";
      meta.textContent = provinceName(item.province) + " · " + roleName(item.role);
      li.append(time, name);
      if (item.late) {
        var late = document.createElement("span");
        late.className = "badge text-bg-warning ms-2";
        late.textContent = text.late;
        li.appendChild(late);
      }
      if (item.wrong_venue) {
        var wrong = document.createElement("span");
        wrong.className = "badge text-bg-danger ms-2";
        wrong.textContent = text.wrong_venue;
        li.appendChild(wrong);
      }
      li.appendChild(meta);
      list.appendChild(li);
    });
  }

  var SILENT_MS = 5 * 60 * 1000;  // a venue's scanners quiet this long are marked

  function ago(iso) {
    if (!iso) { return text.never; }
    var minutes = Math.floor((Date.now() - new Date(iso).getTime()) / 60000);
    return minutes < 1 ? text.just_now : text.ago.replace("%(minutes)s", fmt(minutes));
  }

  function renderScanners(venues) {
    var body = document.getElementById("live-scanners");
    body.textContent = "";
    venues = venues || [];
    document.getElementById("live-scanners-empty").classList.toggle("d-none", venues.length > 0);
    venues.forEach(function (v) {
      var tr = document.createElement("tr");
      var silent = !v.last_seen || Date.now() - new Date(v.last_seen).getTime() > SILENT_MS;
      var name = document.createElement("td");
      name.textContent = v.venue;
      if (v.scanners > 1) {
        var count = document.createElement("div");
        count.className = "small text-muted";
        count.textContent = text.scanners.replace("%(count)s", fmt(v.scanners));
        name.appendChild(count);
      }
      var sync = document.createElement("td");
      sync.textContent = ago(v.last_sync);
      if (silent) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-danger ms-1";
        badge.textContent = text.silent;
        sync.appendChild(badge);
        tr.className = "table-danger";
      }
      var waiting = document.createElement("td");
      waiting.className = "text-end" + (v.pending ? " fw-bold" : "");
      waiting.textContent = fmt(v.pending);
      tr.append(name, sync, waiting);
      body.appendChild(tr);
    });
  }

  function renderChart(data) {
    var rows = scope === "national" ? data.regions : data.roles;
    var names = rows.map(function (r) { return scope === "national" ? regionName(r.code) : roleName(r.code); });
    var inside = rows.map(function (r) { return r.checked_in; });
    var waiting = rows.map(function (r) { return Math.max(0, r.registered - r.checked_in); });
    if (typeof Chart === "undefined") { return; }
    if (!chart) {
      chart = new Chart(document.getElementById("live-chart"), {
        type: "bar",
        data: {labels: names, datasets: [
          {label: text.checked_in, data: inside, backgroundColor: "#198754"},
          {label: text.not_yet, data: waiting, backgroundColor: "#ced4da"}
        ]},
        options: {
          animation: false, maintainAspectRatio: false, indexAxis: "y",
          scales: {x: {stacked: true, beginAtZero: true, ticks: {precision: 0}}, y: {stacked: true}},
          plugins: {legend: {position: "bottom"}}
        }
      });
    } else {
      chart.data.labels = names;
      chart.data.datasets[0].data = inside;
      chart.data.datasets[1].data = waiting;
      chart.update("none");
    }
  }

  function render(data) {
    state = data;
    renderTotals(data.totals);
    renderProvinces(data.provinces);
    renderRoles(data.roles);
    renderFeed(data.latest);
    renderScanners(data.scanners);
    renderChart(data);
    document.getElementById("live-updated").textContent = timeFormat.format(new Date(data.generated_at * 1000));
  }

  // Rows kept by code: a patch replaces the rows it names and keeps the others.
  var KEYED = ["provinces", "roles", "regions"];
  function applyPatch(changes) {
    var data = Object.assign({}, state);
    Object.keys(changes).forEach(function (key) {
      if (KEYED.indexOf(key) === -1) { data[key] = changes[key]; return; }
      var byCode = {};
      changes[key].forEach(function (row) { byCode[row.code] = row; });
      data[key] = state[key].map(function (row) { return byCode[row.code] || row; });
    });
    return data;
  }

  // "3 min ago" and "silent" age without new messages.
  setInterval(function () { if (state) { renderScanners(state.scanners); } }, 30000);

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setStatus(attempt ? "reconnecting" : "connecting");
    socket = new WebSocket(scheme + location.host + root.dataset.socketPath);
    socket.onopen = function () { attempt = 0; };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "snapshot" || message.type === "update" || (message.type === "patch" && state)) {
        setStatus("connected");
        alertEl.classList.add("d-none");
        render(message.type === "patch" ? applyPatch(message.data) : message.data);
      }
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        stopped = true;
        var kind = event.code === 4401 ? "login" : "forbidden";
        setStatus(kind);
        alertEl.textContent = text[kind];
        alertEl.classList.remove("d-none");
        return;
      }
      if (stopped) { return; }
      attempt += 1;
      setStatus("reconnecting");
      // 1 s, 2 s, 4 s … capped at 20 s, with jitter so a room of screens does not return at once.
      var pause = Math.min(20000, 1000 * Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
      retryTimer = setTimeout(function () { retryTimer = null; connect(); }, pause);
    };
  }

  root.querySelectorAll("[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      sortBy = button.dataset.sort;
      root.querySelectorAll("[data-sort]").forEach(function (b) { b.classList.toggle("active", b === button); });
      if (state) { renderProvinces(state.provinces); }
    });
  });
  document.getElementById("live-fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (root.requestFullscreen) { root.requestFullscreen(); }
  });
  // A screen that was asleep may have missed its socket closing: reconnect on wake.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !socket && !stopped) {
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      connect();
    }
  });
  window.addEventListener("beforeunload", function () { stopped = true; if (socket) { socket.close(); } });
  connect();
}());
