/// <reference lib="webworker" />
/**
 * The service worker: keeps the app shell (index.html and its hashed assets) so the app opens
 * without a network. Pages: network first, the cached shell when offline. Hashed assets:
 * cache first (their names change with their bytes). The API (/graphql, /api, /metrics) is
 * never touched: data comes from the socket, and the app keeps its own state in IndexedDB.
 */
declare const self: ServiceWorkerGlobalScope;

const CACHE = 'callvault-shell-v1';
const SHELL = '/';

/** Caches the page and every asset it names, so the next offline start has all of it. */
async function cacheShell(): Promise<void> {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: 'no-cache' });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  await cache.addAll(assets);
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  if (/^\/(?:graphql|api|metrics)(?:\/|$)/.test(url.pathname)) return;
  if (event.request.mode === 'navigate') {
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(event.request);
          if (response.ok) {
            // A newer build: keep its shell (and assets) for the next offline start.
            event.waitUntil(cacheShell().catch(() => {}));
          }
          return response;
        } catch {
          return (await caches.match(SHELL)) ?? Response.error();
        }
      })(),
    );
    return;
  }
  event.respondWith((async () => (await caches.match(event.request)) ?? fetch(event.request))());
});
