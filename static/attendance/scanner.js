/* Desk scanner, offline first.

   A scan is decided on this device, in a few milliseconds, from the venue snapshot (GET
   /api/scanner/snapshot: who is expected here, who is already in, revoked badges and the
   session's Ed25519 public key): a ticket ("PT1." + payload + signature, see
   meetings/tickets.py) is verified with WebCrypto. Every accepted scan goes into an outbox in
   IndexedDB first, with a nonce, the time it was scanned and this browser's id; a sync loop
   uploads the outbox to POST /api/checkins/batch whenever there is a network, so a scan is never
   lost to a bad connection, and the server records each at the time it was scanned.

   Red scans (forged, another session's, revoked) are not queued. Codes this device cannot judge
   (old personal-link badges, people missing from the snapshot, no WebCrypto Ed25519) are amber
   and queued: the server decides, and a refusal shows up as a conflict.

   The snapshot holds names, so it is wiped when it expires (check-in closes), when the server
   says we are logged out, and on logout (templates/base.html). The outbox holds only codes and
   is never wiped. The service worker (scanner-sw.js) keeps this page and its assets for
   reloads without a network. */
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("scanner-strings").textContent);
  var urls = JSON.parse(document.getElementById("scanner-urls").textContent);
  var SESSION_ID = Number(root.dataset.sessionId);
  var VENUE_ID = Number(root.dataset.venueId);

  var DEDUP_MS = 4000;              // the same code again within this time is the same person still in front of the camera
  var SCAN_EVERY_MS = 120;          // decode ~8 frames a second: quick, and light on a phone's battery
  var BATCH_MAX = 100;              // scans per upload
  var SNAPSHOT_EVERY_MS = 60000;
  var HEARTBEAT_EVERY_MS = 30000;
  var BACKOFF_MIN_MS = 2000;
  var BACKOFF_MAX_MS = 5 * 60000;
  var KEEP_DONE = 500;              // sent and conflicting scans kept for the log
  var LOG_ROWS = 20;
  // Shared with templates/base.html (logout wipes the snapshot store) and scanner-sw.js (page cache).
  var DB_NAME = "prachum-scanner";
  var DB_VERSION = 1;
  var PAGE_CACHE = "prachum-scanner-pages";
  var DEVICE_KEY = "prachum-scanner-device";
  var TICKET_PREFIX = "PT1.";
  var TICKET_PAYLOAD_BYTES = 11;
  var TICKET_SIGNATURE_BYTES = 64;

  // ---------------------------------------------------------------- small helpers

  function fmt(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, function (whole, name) {
      return params && params[name] !== undefined ? params[name] : whole;
    });
  }

  function pad(number, width) { return String(number).padStart(width || 2, "0"); }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    // Pages served over plain http on a LAN have no randomUUID, but do have getRandomValues.
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The device's wall-clock time with its UTC offset, as the batch API wants scanned_at.
  function isoWithOffset(ms) {
    var d = new Date(ms);
    var offset = -d.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3) + sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }

  var clockFormat;
  try {
    clockFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: root.dataset.timeZone || undefined });
  } catch (error) {
    clockFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  // A time of day the way the server writes it (08.52 น. in Thai), in the site's time zone.
  function clock(ms) {
    var parts = {};
    clockFormat.formatToParts(new Date(ms)).forEach(function (part) { parts[part.type] = part.value; });
    return fmt(strings.clock, { hours: parts.hour, minutes: parts.minute });
  }

  function age(ms) {
    var seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) { return fmt(strings.ageSeconds, { count: seconds }); }
    if (seconds < 3600) { return fmt(strings.ageMinutes, { count: Math.floor(seconds / 60) }); }
    return fmt(strings.ageHours, { count: Math.floor(seconds / 3600) });
  }

  function b64urlDecode(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes;
  }

  // A network that accepts a request and never answers must not hold the queue up for ever.
  function within(ms) {
    return window.AbortSignal && AbortSignal.timeout ? AbortSignal.timeout(ms) : undefined;
  }

  function csrfToken() {
    // The cookie, not the token in the page: a page served from the cache may be older than the last login.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = root.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function browserName() {
    var ua = navigator.userAgent;
    if (/Edg\//.test(ua)) { return "Edge"; }
    if (/SamsungBrowser/.test(ua)) { return "Samsung Internet"; }
    if (/Chrome\/|Chromium\//.test(ua)) { return "Chrome"; }
    if (/Firefox\//.test(ua)) { return "Firefox"; }
    if (/Safari\//.test(ua)) { return "Safari"; }
    return "Browser";
  }

  // ---------------------------------------------------------------- IndexedDB

  var db = null;

  function openDatabase() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var upgrade = request.result;
        if (!upgrade.objectStoreNames.contains("snapshots")) { upgrade.createObjectStore("snapshots", { keyPath: "venue" }); }
        if (!upgrade.objectStoreNames.contains("outbox")) {
          upgrade.createObjectStore("outbox", { keyPath: "nonce" }).createIndex("venue", "venue");
        }
        if (!upgrade.objectStoreNames.contains("meta")) { upgrade.createObjectStore("meta", { keyPath: "key" }); }
      };
      request.onsuccess = function () {
        var opened = request.result;
        // A newer page version wants to upgrade the database: let it.
        opened.onversionchange = function () { opened.close(); db = null; };
        resolve(opened);
      };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(new Error("IndexedDB blocked")); };
    });
  }

  function transact(stores, mode, work) {
    return new Promise(function (resolve, reject) {
      if (!db) { reject(new Error("no database")); return; }
      // Scans must survive a crash or a flat battery: ask for a flushed write.
      var tx = db.transaction(stores, mode, mode === "readwrite" ? { durability: "strict" } : undefined);
      var result;
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = tx.onabort = function () { reject(tx.error || new Error("transaction failed")); };
      result = work(tx);
    });
  }

  function requestValue(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function readAll(storeName, indexName, key) {
    return new Promise(function (resolve, reject) {
      var store = db.transaction(storeName, "readonly").objectStore(storeName);
      requestValue(indexName ? store.index(indexName).getAll(key) : store.getAll()).then(resolve, reject);
    });
  }

  function readOne(storeName, key) {
    return requestValue(db.transaction(storeName, "readonly").objectStore(storeName).get(key));
  }

  function putAll(storeName, values) {
    return transact(storeName, "readwrite", function (tx) {
      var store = tx.objectStore(storeName);
      values.forEach(function (value) { store.put(value); });
    });
  }

  function deleteKeys(storeName, keys) {
    return transact(storeName, "readwrite", function (tx) {
      var store = tx.objectStore(storeName);
      keys.forEach(function (key) { store.delete(key); });
    });
  }

  // ---------------------------------------------------------------- state

  var deviceId = null;
  var items = [];                 // this venue's outbox, oldest first (mirror of the IndexedDB store)
  var snapshot = null;            // the server's snapshot of this venue, or null
  var people = new Map();         // registration id -> person of the snapshot
  var revoked = new Set();
  var verifyKey = null;           // CryptoKey of the snapshot's public key
  var cryptoState = "unknown";    // "ok" | "unavailable" (no WebCrypto Ed25519 here)
  var snapshotNote = "";          // "expired" after a wipe at check-in close
  var shownLog = [];              // scans shown but not queued (red, already in) and manual check-ins
  var recent = {};                // code -> last time the camera saw it
  var queue = Promise.resolve();  // scans are decided one after another
  var net = {
    reachable: true,              // false after a request failed for want of a network
    authProblem: false,           // the server said we are not logged in (401/403)
    busy: false,                  // the server answered 503
    syncing: false,
    delay: 0,                     // current backoff
    nextAttemptAt: 0,
    lastSnapshotAt: 0,
    lastHeartbeatAt: 0
  };

  function isOnline() { return navigator.onLine !== false && net.reachable; }

  function pendingItems() { return items.filter(function (item) { return item.status === "pending"; }); }

  // ---------------------------------------------------------------- the snapshot

  function applySnapshot(data, fromServer) {
    if (!data || !data.session || data.session.id !== SESSION_ID) { return Promise.resolve(false); }
    if (!(Date.parse(data.expires_at) > Date.now())) {
      return wipeSnapshot("expired").then(function () { return false; });
    }
    snapshot = data;
    snapshotNote = "";
    people = new Map();
    (data.people || []).forEach(function (person) { people.set(person.id, person); });
    revoked = new Set(data.revoked || []);
    var keyText = data.public_key;
    return importKey(keyText).then(function (key) {
      if (snapshot === data) { verifyKey = key; }
      render();
      return true;
    }).then(function (applied) {
      if (fromServer) {
        return putAll("snapshots", [{ venue: VENUE_ID, session: SESSION_ID, stored_at: Date.now(), data: data }]).then(function () { return applied; });
      }
      return applied;
    });
  }

  function importKey(keyText) {
    if (!window.crypto || !window.crypto.subtle || !keyText) {
      cryptoState = "unavailable";  // e.g. a page served over plain http on a LAN: no WebCrypto there
      return Promise.resolve(null);
    }
    return Promise.resolve().then(function () {
      return window.crypto.subtle.importKey("raw", b64urlDecode(keyText), { name: "Ed25519" }, false, ["verify"]);
    }).then(function (key) {
      cryptoState = "ok";
      return key;
    }, function () {
      cryptoState = "unavailable";
      return null;
    });
  }

  function wipeSnapshot(note) {
    snapshot = null;
    people = new Map();
    revoked = new Set();
    verifyKey = null;
    snapshotNote = note || "";
    render();
    return deleteKeys("snapshots", [VENUE_ID]).catch(function () {});
  }

  function fetchSnapshot() {
    if (navigator.onLine === false) { return Promise.resolve(); }
    net.lastSnapshotAt = Date.now();
    return fetch(urls.api + "scanner/snapshot?venue=" + VENUE_ID, {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }, signal: within(20000)
    }).then(function (response) {
      net.reachable = true;
      if (response.status === 401 || response.status === 403 || response.status === 404) {
        // Logged out, or no longer allowed here: the names must not stay on this device.
        net.authProblem = response.status !== 404;
        return wipeSnapshot();
      }
      if (!response.ok) { return; }
      if (net.authProblem) {
        // Logged in again: the waiting scans need not sit out the backoff of the refusals.
        net.authProblem = false;
        net.delay = 0;
        net.nextAttemptAt = 0;
      }
      return response.json().then(function (data) { return applySnapshot(data, true); });
    }, function () {
      net.reachable = false;
    }).then(render);
  }

  function checkExpiry() {
    if (snapshot && Date.parse(snapshot.expires_at) <= Date.now()) { wipeSnapshot("expired"); }
  }

  // ---------------------------------------------------------------- deciding a scan

  function parseTicket(text) {
    if (text.slice(0, TICKET_PREFIX.length).toUpperCase() !== TICKET_PREFIX) { return null; }
    var body = text.slice(TICKET_PREFIX.length);
    if (body.length > 200 || !/^[A-Za-z0-9_-]+$/.test(body)) { return { bad: true }; }
    var raw;
    try { raw = b64urlDecode(body); } catch (error) { return { bad: true }; }
    if (raw.length !== TICKET_PAYLOAD_BYTES + TICKET_SIGNATURE_BYTES || raw[0] !== 1) { return { bad: true }; }
    var view = new DataView(raw.buffer);  // ">BIIH": format, session, registration, version
    return {
      session: view.getUint32(1), registration: view.getUint32(5), version: view.getUint16(9),
      payload: raw.slice(0, TICKET_PAYLOAD_BYTES), signature: raw.slice(TICKET_PAYLOAD_BYTES)
    };
  }

  function verifyTicket(ticket) {
    return window.crypto.subtle.verify({ name: "Ed25519" }, verifyKey, ticket.signature, ticket.payload).catch(function () { return false; });
  }

  // The first accepted scan of this person (or this code) at this desk, still counting.
  function firstLocalScan(registrationId, code) {
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var same = registrationId ? item.registration === registrationId : item.code === code;
      if (!same) { continue; }
      if (item.status !== "conflict" || (item.result && item.result.code === "already_checked_in")) { return item; }
    }
    return null;
  }

  function outcome(level, reason, title, message, extra) {
    var result = { level: level, reason: reason, title: title, message: message || "", queue: false, registration: null, person: null };
    return Object.assign(result, extra || {});
  }

  function alreadyIn(registrationId, code, person) {
    var local = firstLocalScan(registrationId, code);
    var message = null;
    if (local && local.status === "conflict") {
      message = local.result.message;  // the server said where and when the first check-in was
    } else if (local) {
      message = fmt(strings.alreadyInAt, { time: clock(local.scanned_ms) });
    } else if (person && person.in) {
      message = person.in.here === false && person.in.venue
        ? fmt(strings.alreadyInAtVenue, { venue: person.in.venue, time: person.in.time })
        : fmt(strings.alreadyInAt, { time: person.in.time });
    }
    return message && outcome("warning", "already_in", strings.alreadyIn, message, { registration: registrationId, person: person });
  }

  function decide(text) {
    var code = text.trim();
    var ticket = parseTicket(code);
    if (ticket === null) {
      if (code.indexOf("/p/") !== -1) {
        return Promise.resolve(alreadyIn(null, code, null) ||
          outcome("warning", "pending_check", strings.pendingCheck, strings.personalLinkMessage, { queue: true }));
      }
      return Promise.resolve(outcome("danger", "unknown_code", strings.unknownCode, strings.unknownCodeMessage));
    }
    if (ticket.bad) { return Promise.resolve(outcome("danger", "invalid", strings.invalidTicket, strings.invalidTicketMessage)); }
    if (ticket.session !== SESSION_ID) { return Promise.resolve(outcome("danger", "other_session", strings.otherSession, strings.otherSessionMessage)); }
    var registrationId = ticket.registration;
    if (!snapshot) {
      return Promise.resolve(alreadyIn(registrationId, code, null) ||
        outcome("warning", "pending_check", strings.pendingCheck, strings.noSnapshotMessage, { queue: true, registration: registrationId }));
    }
    if (!verifyKey) {
      return Promise.resolve(alreadyIn(registrationId, code, null) ||
        outcome("warning", "not_verified", strings.notVerified, strings.notVerifiedMessage, { queue: true, registration: registrationId }));
    }
    return verifyTicket(ticket).then(function (valid) {
      if (!valid) { return outcome("danger", "invalid", strings.invalidTicket, strings.invalidTicketMessage); }
      var person = people.get(registrationId) || null;
      if (revoked.has(registrationId) || (person && ticket.version < person.v)) {
        return outcome("danger", "revoked", strings.revoked, strings.revokedMessage, { person: person });
      }
      var already = alreadyIn(registrationId, code, person);
      if (already) { return already; }
      if (!person) {
        return outcome("warning", "pending_check", strings.pendingCheck, strings.unknownPersonMessage, { queue: true, registration: registrationId });
      }
      if (!person.here) {
        return outcome("warning", "other_venue", strings.otherVenue, strings.otherVenueMessage, { queue: true, registration: registrationId, person: person });
      }
      return outcome("success", "ok", strings.checkedIn, "", { queue: true, registration: registrationId, person: person });
    });
  }

  // Decide, keep it in the outbox if accepted, then show it. Resolves with the decision
  // (null when the code was ignored as a repeat). The camera and the tests both come here.
  function handleCode(text) {
    var now = Date.now();
    Object.keys(recent).forEach(function (code) { if (now - recent[code] > DEDUP_MS) { delete recent[code]; } });
    var seen = recent[text];
    recent[text] = now;  // still in front of the camera: keep ignoring it
    if (seen) { return Promise.resolve(null); }
    var step = queue.then(function () { return decideAndKeep(text, now); });
    queue = step.catch(function () {});
    return step;
  }

  function decideAndKeep(text, scannedMs) {
    var started = performance.now();
    return decide(text).then(function (decision) {
      if (!decision.queue) { return decision; }
      var item = {
        nonce: uuid(), venue: VENUE_ID, session: SESSION_ID, device: deviceId, code: text.trim(),
        scanned_at: isoWithOffset(scannedMs), scanned_ms: scannedMs, registration: decision.registration,
        local: decision.reason, status: "pending", result: null
      };
      return putAll("outbox", [item]).then(function () {
        items.push(item);
        decision.nonce = item.nonce;
        return decision;
      }, function () {
        return outcome("danger", "save_failed", strings.saveFailed, "");
      });
    }).then(function (decision) {
      decision.scanned_ms = scannedMs;
      decision.ms = performance.now() - started;
      if (!decision.queue) {
        shownLog.push(decision);
        if (shownLog.length > LOG_ROWS) { shownLog.shift(); }
      }
      showDecision(decision);
      render();
      if (decision.queue) { syncSoon(); }
      return decision;
    });
  }

  // ---------------------------------------------------------------- sync

  function clientInfo() {
    var pending = pendingItems();
    return {
      id: deviceId,
      label: fmt(strings.deskLabel, { id: deviceId.slice(0, 4), browser: browserName() }),
      pending: pending.length,
      oldest_pending_at: pending.length ? pending[0].scanned_at : null
    };
  }

  function postJson(url, body, timeoutMs) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", cache: "no-store", signal: within(timeoutMs || 30000),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    });
  }

  function backOff(minimumMs) {
    net.delay = net.delay ? Math.min(net.delay * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    var wait = Math.max(net.delay * (0.8 + Math.random() * 0.4), minimumMs || 0);
    net.nextAttemptAt = Date.now() + wait;
  }

  function retryAfterMs(response, body) {
    var header = response.headers.get("Retry-After");
    var seconds = header && /^\d+$/.test(header.trim()) ? Number(header) : NaN;
    if (isNaN(seconds) && header) { seconds = (Date.parse(header) - Date.now()) / 1000; }
    if (isNaN(seconds) && body && typeof body.retry_after === "number") { seconds = body.retry_after; }
    return isNaN(seconds) ? 0 : Math.max(0, seconds * 1000);
  }

  function applyResult(item, result) {
    item.status = result.ok ? "synced" : "conflict";
    item.result = {
      code: result.code, level: result.level, message: result.message || "", replayed: !!result.replayed,
      time: result.checked_in_time || null
    };
    item.done_ms = Date.now();
  }

  function uploadBatch(batch) {
    var body = { venue: VENUE_ID, client: clientInfo(), scans: batch.map(function (item) {
      return { code: item.code, nonce: item.nonce, scanned_at: item.scanned_at };
    }) };
    return postJson(urls.api + "checkins/batch", body).then(function (response) {
      net.reachable = true;
      if (response.ok) {
        return response.json().then(function (data) {
          var byNonce = {};
          (data.results || []).forEach(function (result) { byNonce[result.nonce] = result; });
          var answered = batch.filter(function (item) { return byNonce[item.nonce]; });
          answered.forEach(function (item) { applyResult(item, byNonce[item.nonce]); });
          net.delay = 0;
          net.busy = false;
          net.authProblem = false;
          return putAll("outbox", answered).then(function () { return answered.length; });
        }).catch(function () {
          backOff();  // an answer we cannot read (a proxy's error page): try again later
          return -1;
        });
      }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.status === 503) {
          net.busy = true;
          backOff(retryAfterMs(response, data));
        } else if (response.status === 401 || response.status === 403) {
          net.authProblem = true;
          backOff();
          if (response.status === 401) { wipeSnapshot(); }
        } else {
          backOff();
        }
        return -1;
      });
    }, function () {
      net.reachable = false;
      backOff();
      return -1;
    });
  }

  function syncNow() {
    if (net.syncing) { return net.syncing; }
    if (navigator.onLine === false || Date.now() < net.nextAttemptAt || !pendingItems().length) { return Promise.resolve(0); }
    var sent = 0;
    function loop() {
      var batch = pendingItems().slice(0, BATCH_MAX);
      if (!batch.length) { return Promise.resolve(); }
      return uploadBatch(batch).then(function (count) {
        if (count > 0) { sent += count; }
        // Stop on a failure, and on an answer that skipped scans (they are sent again later).
        if (count === batch.length) { return loop(); }
      });
    }
    net.syncing = loop().then(function () {
      net.syncing = false;
      return pruneDone();
    }).then(function () {
      // Who is in changed (this desk's scans and others'): refresh the snapshot right away.
      if (sent) { return fetchSnapshot(); }
    }).then(function () {
      render();
      return sent;
    }, function () {
      net.syncing = false;
      render();
      return sent;
    });
    renderStatus();
    return net.syncing;
  }

  var syncTimer = null;
  function syncSoon() {
    if (syncTimer) { return; }
    syncTimer = setTimeout(function () { syncTimer = null; syncNow(); }, 0);
  }

  function pruneDone() {
    var done = items.filter(function (item) { return item.status !== "pending"; });
    if (done.length <= KEEP_DONE) { return Promise.resolve(); }
    var drop = done.slice(0, done.length - KEEP_DONE);
    var dropped = new Set(drop.map(function (item) { return item.nonce; }));
    items = items.filter(function (item) { return !dropped.has(item.nonce); });
    return deleteKeys("outbox", Array.from(dropped)).catch(function () {});
  }

  function heartbeat() {
    net.lastHeartbeatAt = Date.now();
    return postJson(urls.api + "scanner/heartbeat", { venue: VENUE_ID, client: clientInfo() }, 10000).then(function (response) {
      net.reachable = true;
      if (response.status === 401) { net.authProblem = true; }
    }, function () {
      net.reachable = false;
    }).then(render);
  }

  // Once a second: the status pill's clock, the snapshot's expiry, and whatever is due.
  function tick() {
    var now = Date.now();
    checkExpiry();
    if (navigator.onLine !== false) {
      if (pendingItems().length && !net.syncing && now >= net.nextAttemptAt) {
        syncNow();
      } else if (!pendingItems().length && !net.syncing && now - net.lastHeartbeatAt >= HEARTBEAT_EVERY_MS) {
        heartbeat();
      }
      if (now - net.lastSnapshotAt >= SNAPSHOT_EVERY_MS) { fetchSnapshot(); }
    }
    renderStatus();
  }

  window.addEventListener("online", function () {
    net.reachable = true;
    if (!net.busy) { net.delay = 0; net.nextAttemptAt = 0; }
    renderStatus();
    syncNow().then(function (sent) { if (!sent) { return fetchSnapshot(); } });
  });
  window.addEventListener("offline", function () { renderStatus(); });

  // ---------------------------------------------------------------- showing

  var resultEl = document.getElementById("scanner-result");
  var logEl = document.getElementById("scanner-log");
  var networkEl = document.getElementById("scanner-network");
  var networkText = document.getElementById("scanner-network-text");
  var networkAge = document.getElementById("scanner-network-age");
  var snapshotEl = document.getElementById("scanner-snapshot");
  var conflictsSection = document.getElementById("scanner-conflicts-section");
  var conflictsEl = document.getElementById("scanner-conflicts");

  function setText(selector, text) { resultEl.querySelector(selector).textContent = text || ""; }

  function personOf(registrationId) { return registrationId ? people.get(registrationId) || null : null; }

  function showPanel(level, title, person, message, code) {
    resultEl.className = "scanner-result rounded p-3 mb-3 scanner-" + level;
    resultEl.dataset.level = level;
    resultEl.dataset.code = code || "";
    setText(".scanner-result-title", title);
    setText(".scanner-result-name", person && person.name ? person.name : "");
    setText(".scanner-result-meta", person ? [person.province, person.role].filter(Boolean).join(" · ") : "");
    setText(".scanner-result-message", message && message !== title ? message : "");
    if (navigator.vibrate && level !== "working") {
      try { navigator.vibrate(level === "success" ? 80 : [60, 60, 60]); } catch (error) { /* not allowed before a tap */ }
    }
  }

  function showDecision(decision) {
    showPanel(decision.level, decision.title, decision.person, decision.message, decision.reason);
    resultEl.dataset.ms = String(Math.round(decision.ms || 0));
  }

  function counts() {
    var result = { pending: 0, synced: 0, conflict: 0 };
    items.forEach(function (item) { result[item.status] += 1; });
    return result;
  }

  function setIfChanged(element, text) {
    // A live region repeats itself when its text is set again, even to the same words.
    if (element.textContent !== text) { element.textContent = text; }
  }

  // The state is a live region (said when it changes); the age of the oldest waiting scan,
  // updated every second, is not.
  function renderStatus() {
    var online = isOnline();
    var pending = pendingItems();
    var state = online ? (net.syncing ? "syncing" : "online") : "offline";
    if (net.authProblem) { state = "problem"; }
    var words = [net.authProblem ? strings.signedOut : { online: strings.online, syncing: strings.syncing, offline: strings.offline }[state]];
    if (net.busy && !net.authProblem) { words.push(strings.serverBusy); }
    networkEl.className = "scanner-pill scanner-pill-" + state;
    networkEl.dataset.state = state;
    setIfChanged(networkText, words.join(" · "));
    setIfChanged(networkAge, pending.length ? "· " + fmt(strings.oldestPending, { age: age(Date.now() - pending[0].scanned_ms) }) : "");
  }

  function renderCounters() {
    var c = counts();
    [["pending", c.pending], ["synced", c.synced], ["conflicts", c.conflict]].forEach(function (pair) {
      var el = document.getElementById("scanner-counter-" + pair[0]);
      el.querySelector("dd").textContent = String(pair[1]);
      el.dataset.count = String(pair[1]);
    });
    root.dataset.pending = String(c.pending);
    root.dataset.synced = String(c.synced);
    root.dataset.conflicts = String(c.conflict);
  }

  function renderSnapshotLine() {
    if (snapshot) {
      snapshotEl.textContent = fmt(strings.snapshotFresh, { count: people.size, time: clock(Date.parse(snapshot.generated_at)) });
    } else {
      snapshotEl.textContent = snapshotNote === "expired" ? strings.snapshotExpired : strings.snapshotNone;
    }
  }

  function nameFor(item) {
    var person = personOf(item.registration);
    if (person && person.name) { return person.name; }
    return item.registration ? fmt(strings.unknownPerson, { id: item.registration }) : "";
  }

  function listItem(mainText, detailText, badgeText, badgeLevel) {
    var li = document.createElement("li");
    li.className = "list-group-item d-flex justify-content-between align-items-start gap-2";
    var body = document.createElement("div");
    var main = document.createElement("div");
    main.textContent = mainText;
    body.appendChild(main);
    if (detailText) {
      var detail = document.createElement("div");
      detail.className = "text-muted";
      detail.textContent = detailText;
      body.appendChild(detail);
    }
    var badge = document.createElement("span");
    badge.className = "badge text-bg-" + badgeLevel;
    badge.textContent = badgeText;
    li.appendChild(body);
    li.appendChild(badge);
    return li;
  }

  function renderConflicts() {
    var conflicts = items.filter(function (item) { return item.status === "conflict"; }).reverse();
    conflictsSection.hidden = !conflicts.length;
    conflictsEl.replaceChildren.apply(conflictsEl, conflicts.slice(0, 50).map(function (item) {
      var li = listItem(
        [nameFor(item), item.result ? item.result.message : ""].filter(Boolean).join(" — "),
        fmt(strings.scannedAt, { time: clock(item.scanned_ms) }),
        strings.stateConflict, item.result && item.result.level === "warning" ? "warning" : "danger"
      );
      li.dataset.nonce = item.nonce;
      li.dataset.code = item.result ? item.result.code : "";
      return li;
    }));
  }

  // Latest scans, newest first: who, what happened, and the time in the badge (its colour is the level).
  function renderLog() {
    var rows = items.slice(-LOG_ROWS).map(function (item) {
      var state = item.status === "pending" ? strings.statePending : item.status === "synced" ? strings.stateSynced : strings.stateConflict;
      var level = item.status === "conflict" ? "danger" : item.status === "pending" ? "secondary" : (item.result && item.result.level) || "success";
      var detail = [state, item.result && item.status === "conflict" ? item.result.message : ""].filter(Boolean).join(" · ");
      return { ms: item.scanned_ms, status: item.status, el: listItem(nameFor(item) || item.code.slice(0, 40), detail, clock(item.scanned_ms), level) };
    });
    shownLog.forEach(function (shown) {
      var who = shown.person && shown.person.name;
      var detail = [who ? shown.title : "", shown.message !== shown.title ? shown.message : ""].filter(Boolean).join(" · ");
      rows.push({ ms: shown.scanned_ms, status: shown.reason, el: listItem(who || shown.title, detail, clock(shown.scanned_ms), shown.level) });
    });
    rows.sort(function (a, b) { return b.ms - a.ms; });
    logEl.replaceChildren.apply(logEl, rows.slice(0, LOG_ROWS).map(function (row) {
      row.el.dataset.status = row.status;
      return row.el;
    }));
  }

  function render() {
    renderStatus();
    renderCounters();
    renderSnapshotLine();
    renderConflicts();
    renderLog();
  }

  // ---------------------------------------------------------------- camera

  var video = document.getElementById("scanner-video");
  var canvas = document.getElementById("scanner-canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var cameraStatus = document.getElementById("scanner-camera-status");
  var toggle = document.getElementById("scanner-toggle");
  var cameraSelect = document.getElementById("scanner-camera-select");
  var stream = null;
  var paused = false;
  var canDecide = false;  // until the outbox and snapshot are loaded from IndexedDB
  var lastDecode = 0;

  function frame(time) {
    if (canDecide && !paused && stream && video.readyState === video.HAVE_ENOUGH_DATA && time - lastDecode >= SCAN_EVERY_MS) {
      lastDecode = time;
      var width = video.videoWidth, height = video.videoHeight;
      // Decode a downscaled frame: badge QR codes are large, and jsQR is linear in pixels.
      var scale = Math.min(1, 640 / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { handleCode(found.data); }
    }
    window.requestAnimationFrame(frame);
  }

  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
  }

  function startCamera(deviceId) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = strings.cameraNone;
      return;
    }
    stopCamera();
    var constraints = { audio: false, video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: "environment" } } };
    navigator.mediaDevices.getUserMedia(constraints).then(function (opened) {
      stream = opened;
      video.srcObject = opened;
      video.setAttribute("playsinline", "");
      return video.play();
    }).then(function () {
      cameraStatus.hidden = true;
      listCameras();
    }).catch(function () {
      cameraStatus.hidden = false;
      cameraStatus.textContent = strings.cameraDenied;
    });
  }

  function listCameras() {
    if (!navigator.mediaDevices.enumerateDevices) { return; }
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var cameras = devices.filter(function (d) { return d.kind === "videoinput"; });
      if (cameras.length < 2) { return; }
      var current = stream && stream.getVideoTracks()[0] && stream.getVideoTracks()[0].getSettings().deviceId;
      cameraSelect.replaceChildren.apply(cameraSelect, cameras.map(function (camera, i) {
        var option = document.createElement("option");
        option.value = camera.deviceId;
        option.textContent = camera.label || ("Camera " + (i + 1));
        option.selected = camera.deviceId === current;
        return option;
      }));
      cameraSelect.hidden = false;
    });
  }

  cameraSelect.addEventListener("change", function () { startCamera(cameraSelect.value); });

  // Pausing releases the camera (its light goes off, the battery rests); resuming opens it again.
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? strings.resume : strings.pause;
    if (paused) { stopCamera(); } else { startCamera(cameraSelect.hidden ? undefined : cameraSelect.value); }
  });

  // ---------------------------------------------------------------- manual search (needs the network)

  var searchForm = document.getElementById("scanner-search-form");
  var searchInput = document.getElementById("scanner-search");
  var resultsEl = document.getElementById("scanner-search-results");

  function manualCheckin(row, button) {
    button.disabled = true;
    showPanel("working", strings.working, null, "", "");
    postJson(urls.scan, { registration_id: row.id, nonce: uuid() }).then(function (response) {
      return response.json();
    }).then(function (data) {
      net.reachable = true;
      showPanel(data.level || "danger", data.code === "ok" ? strings.checkedIn : data.message, data.registration, data.message, data.code);
      shownLog.push({ scanned_ms: Date.now(), person: data.registration, title: data.code === "ok" ? strings.checkedIn : data.message, message: data.message, level: data.level || "danger", reason: data.code });
      if (data.code === "ok" || data.code === "wrong_venue" || data.code === "already_checked_in") {
        button.className = "btn btn-sm btn-outline-secondary";
        button.textContent = strings.checkedIn;
        fetchSnapshot();
      } else {
        button.disabled = false;
      }
      render();
    }).catch(function () {
      net.reachable = false;
      button.disabled = false;
      showPanel("danger", strings.networkError, null, strings.searchNeedsNetwork, "network_error");
      renderStatus();
    });
  }

  function renderResults(rows) {
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "list-group-item text-muted";
      empty.textContent = strings.noResults;
      resultsEl.replaceChildren(empty);
      return;
    }
    resultsEl.replaceChildren.apply(resultsEl, rows.map(function (row) {
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
      button.addEventListener("click", function () { manualCheckin(row, button); });
      item.appendChild(info);
      item.appendChild(button);
      return item;
    }));
  }

  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = searchInput.value.trim();
    if (q.length < 2) { return; }
    if (navigator.onLine === false) {
      showPanel("warning", strings.offline, null, strings.searchNeedsNetwork, "offline");
      return;
    }
    fetch(urls.search + "?q=" + encodeURIComponent(q), { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }, signal: within(15000) })
      .then(function (response) { return response.json(); })
      .then(function (data) { net.reachable = true; renderResults(data.results || []); })
      .catch(function () {
        net.reachable = false;
        showPanel("danger", strings.networkError, null, strings.searchNeedsNetwork, "network_error");
        renderStatus();
      });
  });

  // ---------------------------------------------------------------- offline app shell

  function installOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) { return Promise.resolve(false); }
    return navigator.serviceWorker.register(urls.serviceWorker, { scope: urls.serviceWorkerScope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // The first visit came from the network, not through the worker: keep this page now,
      // so that a reload without a network still finds it. Later visits refresh it in the worker.
      var key = location.origin + location.pathname;
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.match(key).then(function (cached) {
          if (cached && navigator.serviceWorker.controller) { return; }
          return fetch(key, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
            if (response.ok && !response.redirected) { return cache.put(key, response); }
          });
        });
      });
    }).then(function () { return true; }, function () { return false; });
  }

  // ---------------------------------------------------------------- start

  function loadDeviceId() {
    var stored = null;
    try { stored = window.localStorage.getItem(DEVICE_KEY); } catch (error) { /* storage disabled */ }
    var fromDb = stored ? Promise.resolve(stored) : readOne("meta", "device").then(function (row) { return row && row.value; });
    return fromDb.then(function (id) {
      id = id || uuid();
      try { window.localStorage.setItem(DEVICE_KEY, id); } catch (error) { /* storage disabled */ }
      return putAll("meta", [{ key: "device", value: id }]).then(function () { return id; });
    });
  }

  // Loaded: what this device holds (outbox, snapshot) is in memory, and scans can be decided.
  // Ready: besides, the snapshot was refreshed from the server if there is a network.
  var loaded = openDatabase().then(function (opened) {
    db = opened;
    return loadDeviceId();
  }).then(function (id) {
    deviceId = id;
    return readAll("outbox", "venue", VENUE_ID);
  }).then(function (stored) {
    items = stored.sort(function (a, b) { return a.scanned_ms - b.scanned_ms; });
    return readOne("snapshots", VENUE_ID);
  }).then(function (row) {
    return row ? applySnapshot(row.data, false) : null;
  }).then(function () {
    root.dataset.loaded = "1";
    canDecide = true;
    render();
    window.setInterval(tick, 1000);
  });

  var ready = loaded.then(fetchSnapshot).then(function () {
    root.dataset.ready = "1";
    syncNow();
  });

  // A device's first visit holds no snapshot yet: the first scans wait for it (a few seconds at
  // most) instead of all going amber; a device that has one decides from it at once.
  var FIRST_SNAPSHOT_WAIT_MS = 5000;
  queue = loaded.then(function () {
    if (snapshot) { return null; }
    return Promise.race([ready, new Promise(function (resolve) { window.setTimeout(resolve, FIRST_SNAPSHOT_WAIT_MS); })]);
  }).catch(function () {});

  var offlineReady = ready.then(installOffline).then(function (installed) {
    if (installed) { root.dataset.offlineReady = "1"; }
    return installed;
  });

  loaded.catch(function () {
    // No IndexedDB (a private window in some browsers): nothing can be kept, say so.
    showPanel("danger", strings.saveFailed, null, "", "no_storage");
  });

  render();
  startCamera();
  window.requestAnimationFrame(frame);

  // For tests and for staff debugging in the console; the camera calls handleCode too.
  window.prachumScanner = {
    handleCode: function (text) { return loaded.then(function () { return handleCode(text); }); },
    syncNow: function () { net.nextAttemptAt = 0; return syncNow(); },
    refreshSnapshot: fetchSnapshot,
    loaded: loaded,
    ready: ready,
    offlineReady: offlineReady,
    state: function () {
      return {
        deviceId: deviceId, counts: counts(), crypto: cryptoState, hasSnapshot: !!snapshot, online: isOnline(),
        items: items.map(function (item) { return Object.assign({}, item); })
      };
    }
  };
})();
