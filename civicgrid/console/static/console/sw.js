// The grid staff's service worker. The console serves it at /console/sw.js with SHELL (the patrol page and
// its static files) prepended. Pages: network first, and without signal the cached copy, else the patrol
// page so a report can still be made. Static files of the shell: cache first. Nothing but GET is touched:
// reports are queued by the page itself (patrol.js), never replayed here.
var CACHE = "civicgrid-console-1";
var PATROL = SHELL[0];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && url.pathname === PATROL && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(PATROL, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(request).then(function (hit) { return hit || caches.match(PATROL); });
      })
    );
    return;
  }
  if (url.pathname !== PATROL && SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
