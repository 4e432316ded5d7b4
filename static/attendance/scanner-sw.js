/* Service worker of the desk scanner. Served at /scanner-sw.js by attendance/views/scanner_app.py,
   which puts self.PRACHUM_SCANNER = {version, assets, pagePattern} in front of this file; each
   desk page registers it with its own path as the scope.

   - Scanner pages (pagePattern): network first, so a desk always gets the current page and its
     fresh CSRF token when there is a network; the last good copy when there is none.
   - The static assets the scanner needs (assets: hashed URLs in production): cache first,
     cached on install. Other requests are not touched.
   Scans, the participant snapshot and the outbox live in IndexedDB (scanner.js), not here. */
"use strict";

var CONFIG = self.PRACHUM_SCANNER || { version: "dev", assets: [], pagePattern: "^$" };
var ASSET_CACHE = "prachum-scanner-assets-" + CONFIG.version;
var ASSET_PREFIX = "prachum-scanner-assets-";
// Not versioned: a new worker keeps the last good page (scanner.js and base.html's logout
// snippet name it too, to add the first page and to drop pages on logout).
var PAGE_CACHE = "prachum-scanner-pages";
var PAGE_PATTERN = new RegExp(CONFIG.pagePattern);
var NETWORK_TIMEOUT_MS = 4000;  // a network that answers nothing ("lie-fi") counts as none
var assetUrls = new Set(CONFIG.assets.map(function (path) { return new URL(path, self.location.origin).href; }));

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSET_CACHE)
      .then(function (cache) { return cache.addAll(CONFIG.assets); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(ASSET_PREFIX) === 0 && name !== ASSET_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageKey(url) {
  // One copy per scanner page, whatever the query string.
  return url.origin + url.pathname;
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); }, function (error) { clearTimeout(timer); reject(error); });
  });
}

function networkFirstPage(request, url) {
  var key = pageKey(url);
  return withTimeout(fetch(request), NETWORK_TIMEOUT_MS).then(function (response) {
    // Only a real page: not a redirect to the login form, not an error page.
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(PAGE_CACHE).then(function (cache) { return cache.match(key); }).then(function (cached) {
      if (cached) { return cached; }
      throw error;
    });
  });
}

function cacheFirstAsset(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (cached) {
    if (cached) { return cached; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(ASSET_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && PAGE_PATTERN.test(url.pathname)) {
    event.respondWith(networkFirstPage(request, url));
    return;
  }
  if (assetUrls.has(url.origin + url.pathname)) {
    event.respondWith(cacheFirstAsset(request));
  }
});

