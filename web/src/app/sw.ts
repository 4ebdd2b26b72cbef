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

// ---- Web Push (issue 12): notifications while no CallVault tab is open -------------------

/** The payload the server pushes (docs/protocol.md, "Push payload"). */
type PushPayload =
  | {
      kind: 'message' | 'message-request';
      from: string;
      fromName: string;
      conversation: string;
      messageId: string;
      body?: string;
    }
  | { kind: 'call'; from: string; fromName: string; callId: string; media: string; ringsUntil: number }
  | { kind: 'call-ended'; from: string; fromName: string; callId: string; outcome: string };

/** What a notification shows for a payload; a call that stopped ringing meanwhile shows as missed. */
function notificationOf(p: PushPayload, now: number): { title: string; options: NotificationOptions } {
  switch (p.kind) {
    case 'message':
    case 'message-request':
      return {
        title: p.fromName,
        options: {
          body: p.body ?? (p.kind === 'message-request' ? 'Message request' : 'New message'),
          // One notification per conversation: a burst replaces it instead of piling up.
          tag: `conversation-${p.conversation}`,
          data: { url: `/?chat=${encodeURIComponent(p.conversation)}` },
        },
      };
    case 'call':
      if (p.ringsUntil <= now) return missed(p);
      return {
        title: `${p.fromName} is calling`,
        options: {
          body: p.media === 'video' ? 'Video call' : 'Audio call',
          tag: `call-${p.callId}`,
          requireInteraction: true,
          data: { url: `/?call=${encodeURIComponent(p.callId)}` },
          actions: [
            { action: 'accept', title: 'Accept' },
            { action: 'decline', title: 'Decline' },
          ],
        } as NotificationOptions,
      };
    case 'call-ended':
      return missed(p);
  }
}

function missed(p: { fromName: string; callId: string }) {
  return {
    title: `Missed call from ${p.fromName}`,
    options: { tag: `call-${p.callId}`, data: { url: '/?tab=calls' } },
  };
}

function onPush(event: PushEvent): void {
  let payload: PushPayload;
  try {
    payload = event.data?.json() as PushPayload;
  } catch {
    payload = { kind: 'message', from: '', fromName: 'CallVault', conversation: '', messageId: '' };
  }
  const { title, options } = notificationOf(payload, Date.now());
  // A push must always show something (userVisibleOnly): nothing here can skip it.
  event.waitUntil(self.registration.showNotification(title, options));
}

/** Focuses an open CallVault tab (telling it what to open) or opens the app there. */
async function openFromNotification(url: string, action: string): Promise<void> {
  const target = new URL(url, self.location.origin);
  if (action) target.searchParams.set('action', action);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    open.postMessage({ type: 'callvault-open', url: target.pathname + target.search });
    await open.focus();
    return;
  }
  await self.clients.openWindow(target.pathname + target.search);
}

/**
 * The session this device keeps (web/src/client/idb.ts: database `callvault`, store `kv`; key
 * `session` from session.ts), or null. Read here directly: the worker bundle imports nothing
 * from the app, so a change of those names must be made in both places.
 */
function storedSession(): Promise<{ token: string; expiresAt: number } | null> {
  return new Promise((resolve) => {
    const open = indexedDB.open('callvault', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      try {
        const get = db.transaction('kv', 'readonly').objectStore('kv').get('session');
        get.onsuccess = () => {
          db.close();
          const s = get.result as { token?: unknown; expiresAt?: unknown } | undefined;
          resolve(
            s && typeof s.token === 'string' && typeof s.expiresAt === 'number'
              ? { token: s.token, expiresAt: s.expiresAt }
              : null,
          );
        };
        get.onerror = () => {
          db.close();
          resolve(null);
        };
      } catch {
        db.close();
        resolve(null);
      }
    };
  });
}

/**
 * Declines a ringing call with this device's session: the declineCall mutation, POSTed to the
 * same origin as JSON (the CSRF rules of api/graphql.ts; the worker's fetch sends Origin).
 * True when the server answered DECLINED.
 */
async function declineCall(callId: string): Promise<boolean> {
  const session = await storedSession();
  if (!session || session.expiresAt <= Date.now()) return false;
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({
        query: 'mutation SwDeclineCall($callId: ID!) { declineCall(callId: $callId) { callId status } }',
        variables: { callId },
      }),
    });
    if (!response.ok) return false;
    const result = (await response.json()) as { data?: { declineCall?: { status?: string } | null } };
    return result.data?.declineCall?.status === 'DECLINED';
  } catch {
    return false;
  }
}

/**
 * What a click on a notification (or one of its actions) does. Decline on a ringing call
 * declines it with the stored session; when that fails (signed out, expired, offline, the call
 * already ended) the app opens on the call instead. Anything else focuses or opens the app at
 * the notification's link. Exposed as `self.callvaultNotificationAction` so a browser test can
 * run it on a shown notification (headless Chromium cannot click a notification's button).
 */
async function notificationAction(notification: Notification, action: string): Promise<void> {
  notification.close();
  const url = (notification.data as { url?: string } | null)?.url ?? '/';
  if (action === 'decline') {
    const callId = new URL(url, self.location.origin).searchParams.get('call');
    if (callId && (await declineCall(callId))) return;
    await openFromNotification(url, '');
    return;
  }
  await openFromNotification(url, action);
}

(self as unknown as { callvaultNotificationAction: typeof notificationAction }).callvaultNotificationAction =
  notificationAction;

function onNotificationClick(event: NotificationEvent): void {
  event.waitUntil(notificationAction(event.notification, event.action));
}

self.addEventListener('push', onPush);
self.addEventListener('notificationclick', onNotificationClick);
