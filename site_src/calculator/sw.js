// Service worker of the calculator: after a first visit the calculator loads and works offline.
// The build writes VERSION (a hash of every cached file) and PRECACHE (URLs relative to this file), and puts
// it at the site's root, registered for the scope "calculator" (no slash): so that an address typed without
// the slash is this worker's too, and is sent on to "calculator/" offline as the server would.
// A new deploy changes VERSION, so the new worker fills a new cache and deletes the old one. The calculator's
// interpreter snapshot (worker.mjs) is in a cache of its own, "henan-ce-snapshot", which this one leaves alone:
// its key (the wheel's sha256) already tells an old deploy's snapshot, and the page's worker deletes it.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `henan-ce-calculator-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new URL(url, self.location).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("henan-ce-calculator-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages: the network first, so a new deploy shows at once; the cached copy when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => offline(request)),
    );
    return;
  }
  // Assets: versioned with the cache, so the cache first.
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })),
  );
});

/** A page offline: the cached copy; for an address without its final slash (…/calculator), the redirect to
 * the cached folder page that a static host would send (the page's relative links need the slash). */
async function offline(request) {
  const hit = await caches.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const url = new URL(request.url);
  if (!url.pathname.endsWith("/")) {
    url.pathname += "/";
    url.search = "";
    if (await caches.match(url.href)) return Response.redirect(url.href, 301);
  }
  return Response.error();
}
