/* eCabinet's service worker, served at /sw.js (ecabinet/pwa.py) with the whole site as scope.
 *
 * What it keeps, in the browser's Cache Storage:
 * - "ecab-shell-<V>": our static files (CSS, JS, fonts, icons: kept as pages load them, and the
 *   list the pack names) and the offline page. Nobody's data.
 * - "ecab-user-<id>": for the signed-in user only, what GET /api/v1/me/offline-pack lists: their
 *   upcoming meetings' pages and their own (watermarked) copies of the released documents. It is
 *   synced when a page starts it (message "sync"), when the connection comes back, and every few
 *   minutes while a page is open; whatever the pack no longer lists (a document withdrawn, made
 *   confidential, deleted; a meeting the user left or that ended) is deleted then.
 * - "ecab-meta": who the device's user is and the last pack (for the offline page's list).
 * A page tells the worker who is signed in ("hello" with the user id); a cache of anyone else is
 * deleted then and never read. Signing out empties everything (the page script deletes the
 * caches, the server's Clear-Site-Data header does the rest).
 *
 * Serving: /static/ files with a hash in their name cache first, others network first (the
 * HTTP cache still applies) then the kept copy; pages network first, then the user's copy, then the offline
 * page; a PDF the user keeps network first, then the copy. Never a POST, never the API, never
 * another user's copy. Queued changes are sent by the pages (static/ecabinet/offline.js); a
 * "sync" event only wakes them up. */

/* global clients */
const VERSION = "1";
const SHELL = "ecab-shell-" + VERSION;
const META = "ecab-meta";
const USER_PREFIX = "ecab-user-";
const PACK_URL = "/api/v1/me/offline-pack";
const OFFLINE_URL = "/offline/";
// A page's "hello" syncs only when the last sync is older than this (pages are fetched again at
// every sync; PDFs only when their version changes); "sync" and the connection coming back
// always sync.
const SYNC_AT_MOST_EVERY_MS = 3 * 60 * 1000;
// A static file with a content hash in its name never changes: cache first. Others: network
// first, so a new version of the app is used at once.
// A kept page is fetched again at a sync when its copy is older than this.
const PAGE_REFRESH_MS = 10 * 60 * 1000;
// A PDF larger than this is not kept (the device's storage is not ours to fill).
const MAX_KEPT_BYTES = 100 * 1024 * 1024;
const KEPT_AT = "X-Ecabinet-Kept-At";
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

importScripts("/static/ecabinet/sw-push.js");

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll([OFFLINE_URL, "/favicon.ico"]))
    .catch(() => undefined).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ecab-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
    if (await currentUser()) await sync(); // a new version of the worker starts with a fresh copy
  })());
});

// --- who the device's user is ------------------------------------------------------------------

async function currentUser() {
  const meta = await caches.open(META);
  const response = await meta.match("/__ecab/user");
  return response ? (await response.json()).user : null;
}

async function setUser(user) {
  const previous = await currentUser();
  const changed = previous !== user;
  for (const name of await caches.keys()) {
    if (name.startsWith(USER_PREFIX) && name !== USER_PREFIX + user) await caches.delete(name);
  }
  if (previous !== user) {
    const meta = await caches.open(META);
    await meta.put("/__ecab/user", jsonResponse({ user }));
    await meta.delete("/__ecab/pack");
    await meta.delete("/__ecab/synced");
  }
  return changed;
}

async function lastSync() {
  const response = await (await caches.open(META)).match("/__ecab/synced");
  return response ? (await response.json()).at : 0;
}

async function forgetEverything() {
  for (const name of await caches.keys()) {
    if (name.startsWith("ecab-")) await caches.delete(name);
  }
}

function jsonResponse(data) {
  return new Response(JSON.stringify(data), { headers: { "Content-Type": "application/json" } });
}

// --- the sync ----------------------------------------------------------------------------------

let syncing = null;

function sync() {
  if (!syncing) syncing = runSync().finally(() => { syncing = null; });
  return syncing;
}

async function runSync() {
  let response;
  try {
    response = await fetch(PACK_URL, { credentials: "same-origin", cache: "no-store",
                                       headers: { "Accept": "application/json" } });
  } catch (_) {
    return { ok: false, reason: "offline" };
  }
  if (response.status === 401 || response.status === 403) {
    await forgetEverything(); // signed out (or the session ended): keep nothing
    return { ok: false, reason: "signed-out" };
  }
  if (!response.ok) return { ok: false, reason: "error" };
  const pack = await response.json();
  await setUser(pack.user);
  const cache = await caches.open(USER_PREFIX + pack.user);
  const meta = await caches.open(META);
  const before = await meta.match("/__ecab/pack");
  const versions = {};
  if (before) for (const entry of (await before.json()).entries || []) versions[entry.url] = entry.version;

  const wanted = new Set(pack.entries.map((entry) => new URL(entry.url, self.location.origin).href));
  // First what is no longer allowed: it must go even if the fetches below fail.
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  const shell = await caches.open(SHELL);
  await Promise.all(pack.shell.map(async (url) => {
    if (await shell.match(url)) return;
    try { await shell.add(url); } catch (_) { /* next time */ }
  }));
  let fetched = 0, failed = 0;
  const now = Date.now();
  for (const entry of pack.entries) {
    const have = await cache.match(entry.url, { ignoreVary: true });
    if (have && entry.version && versions[entry.url] === entry.version) continue;
    if (have && !entry.version && now - Number(have.headers.get(KEPT_AT) || 0) < PAGE_REFRESH_MS) continue;
    try {
      const copy = await fetch(entry.url, { credentials: "same-origin", cache: "no-store",
                                            headers: { "X-Ecabinet-Offline": "1" }, redirect: "manual" });
      if (copy.ok && Number(copy.headers.get("Content-Length") || 0) > MAX_KEPT_BYTES) {
        await cache.delete(entry.url);
      } else if (copy.ok) {
        const headers = new Headers(copy.headers);
        headers.set(KEPT_AT, String(now));
        const body = await copy.blob();
        if (body.size > MAX_KEPT_BYTES) continue;
        await cache.put(entry.url, new Response(body, { status: copy.status, statusText: copy.statusText, headers }));
        fetched++;
      } else if (copy.status === 404 || copy.status === 403) {
        await cache.delete(entry.url);
      } else {
        failed++;
      }
    } catch (_) {
      failed++;
    }
  }
  await meta.put("/__ecab/pack", jsonResponse(pack));
  await meta.put("/__ecab/synced", jsonResponse({ at: Date.now() }));
  return { ok: true, fetched, failed, entries: pack.entries.length };
}

// --- messages from pages ----------------------------------------------------------------------

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (result) => { if (event.ports && event.ports[0]) event.ports[0].postMessage(result); };
  if (data.type === "hello" && data.user) {
    event.waitUntil(setUser(data.user).then(async (changed) => {
      if (!changed && Date.now() - await lastSync() < SYNC_AT_MOST_EVERY_MS) return { ok: true, skipped: true };
      return sync();
    }).then(reply, () => reply({ ok: false })));
  } else if (data.type === "sync") {
    event.waitUntil(sync().then(reply, () => reply({ ok: false })));
  } else if (data.type === "logout") {
    event.waitUntil(forgetEverything().then(() => reply({ ok: true })));
  }
});

// Background Sync (where the browser has it): wake the open pages, which send the queue.
self.addEventListener("sync", (event) => {
  if (event.tag !== "ecab-queue") return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((list) => {
    list.forEach((client) => client.postMessage({ type: "flush-queue" }));
  }));
});

// --- serving ----------------------------------------------------------------------------------

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/") || url.pathname === "/sw.js") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else {
    event.respondWith(userCopy(request));
  }
});

async function staticFirst(request) {
  const cache = await caches.open(SHELL);
  const keep = (response) => {
    if (response.ok && response.type === "basic") cache.put(request, response.clone()).catch(() => undefined);
    return response;
  };
  if (HASHED.test(new URL(request.url).pathname)) {
    const hit = await cache.match(request, { ignoreVary: true });
    return hit || keep(await fetch(request));
  }
  try {
    return keep(await fetch(request));
  } catch (error) {
    const hit = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
    if (hit) return hit;
    throw error;
  }
}

async function keptCopy(request) {
  const user = await currentUser();
  if (!user) return null;
  const cache = await caches.open(USER_PREFIX + user);
  return cache.match(request.url, { ignoreVary: true });
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const copy = await keptCopy(request);
    if (copy) return copy;
    const offline = await caches.match(OFFLINE_URL, { cacheName: SHELL });
    if (offline) return offline;
    throw error;
  }
}

async function userCopy(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const copy = await keptCopy(request);
    if (copy) return copy;
    if (new URL(request.url).pathname === "/favicon.ico") {
      const icon = await caches.match("/favicon.ico", { cacheName: SHELL });
      if (icon) return icon;
    }
    throw error;
  }
}
