/* The offline queue: changes a person may make without a connection (a personal note, a check-in
 * in the room, a request to speak) are kept in IndexedDB with their Idempotency-Key and sent when
 * the connection is back (the "online" event, the service worker's "sync", the next page load,
 * and a retry every few seconds while a page is open). The server applies a key once
 * (ecabinet/idempotency.py), so a change sent again after a lost answer is applied once.
 *
 * A change the server refuses when it arrives (the meeting ended, the item changed, the check-in
 * closed) is not dropped silently: it stays in the queue as "refused" with the server's message,
 * shown in the page's offline box until the person dismisses it.
 *
 * Each queued change belongs to the user who made it; another user's changes are never sent.
 * Signing out deletes the queue (clearQueue). Events on window: "ecab:queue" (detail: the
 * queue's items, after every change of it), "ecab:queue-sent" (detail: {item, result}). */

import { csrfToken, networkMessage } from "./http.js";

const DB_NAME = "ecabinet-offline";
const STORE = "queue";
const RETRY_MS = [2000, 5000, 10000, 30000, 60000];

let dbPromise = null;

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("created", "created");
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = () => { dbPromise = null; reject(request.error); };
      request.onblocked = () => { dbPromise = null; reject(new Error("blocked")); };
    });
  }
  return dbPromise;
}

function tx(mode, work) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const result = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  }));
}

/** The signed-in user's id, from the page (<body data-user>); null on a page without one. */
export function currentUser() {
  const id = document.body && document.body.dataset.user;
  return id ? Number(id) : null;
}

/** All queued changes of the current user, oldest first. */
export async function queued() {
  const user = currentUser();
  const all = await tx("readonly", (store) => store.index("created").getAll());
  return (all || []).filter((item) => item.user === user);
}

function announce() {
  return queued().then((items) => {
    window.dispatchEvent(new CustomEvent("ecab:queue", { detail: items }));
    return items;
  }, () => []);
}

/** Keep a change to send later. `label` says what it is, for the page's offline box. */
export async function enqueue({ method, url, body, key, label }) {
  const item = {
    key, method, url, body: body === undefined ? null : body, label: label || "",
    user: currentUser(), created: Date.now(), state: "pending", message: "",
  };
  await tx("readwrite", (store) => store.put(item));
  await announce();
  askForBackgroundSync();
  scheduleRetry(0);
  return item;
}

export async function dismiss(key) {
  await tx("readwrite", (store) => store.delete(key));
  await announce();
}

/** Forget every queued change (sign-out). */
export async function clearQueue() {
  if (dbPromise) {
    try { (await dbPromise).close(); } catch (_) { /* already gone */ }
    dbPromise = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

function askForBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready.then((registration) => {
    if (registration.sync) return registration.sync.register("ecab-queue");
    return undefined;
  }).catch(() => undefined);
}

/** Send one queued change. Resolves with "sent", "refused" or "later". */
async function sendOne(item) {
  const headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json", "Idempotency-Key": item.key };
  if (item.body !== null) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(item.url, {
      method: item.method, credentials: "same-origin", headers,
      body: item.body === null ? undefined : JSON.stringify(item.body),
    });
  } catch (_) {
    return "later"; // no connection, or the answer was lost: the same key goes again
  }
  let json = null;
  try { json = await response.json(); } catch (_) { /* an empty body */ }
  const error = (json && json.error) || {};
  if (response.ok) {
    await tx("readwrite", (store) => store.delete(item.key));
    window.dispatchEvent(new CustomEvent("ecab:queue-sent", { detail: { item, result: json } }));
    return "sent";
  }
  if (response.status >= 500 || response.status === 401 || error.code === "idempotency_in_progress") {
    return "later"; // the server's trouble, a sign-in needed, or the first copy still running
  }
  const refused = Object.assign({}, item, { state: "refused", status: response.status,
                                            message: error.message || networkMessage() });
  await tx("readwrite", (store) => store.put(refused));
  window.dispatchEvent(new CustomEvent("ecab:queue-refused", { detail: refused }));
  return "refused";
}

let flushing = null;
let retryTimer = null;
let attempt = 0;

function scheduleRetry(delay) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => { flush().catch(() => undefined); }, delay);
}

async function runFlush() {
  const items = (await queued()).filter((item) => item.state === "pending");
  let left = 0;
  for (const item of items) {
    if (!navigator.onLine) { left++; continue; }
    const outcome = await sendOne(item);
    if (outcome === "later") left++;
  }
  await announce();
  if (left && navigator.onLine) {
    scheduleRetry(RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
  } else if (!left) {
    attempt = 0;
  }
  return left;
}

/** Send what is queued, oldest first; one sender at a time across the user's tabs. */
export function flush() {
  if (flushing) return flushing;
  const run = () => runFlush();
  const locked = navigator.locks ? navigator.locks.request("ecab-queue", run) : run();
  flushing = Promise.resolve(locked).finally(() => { flushing = null; });
  return flushing;
}

/** Start sending: now, when the connection is back, and when the service worker says so. */
export function startQueue() {
  window.addEventListener("online", () => { attempt = 0; flush().catch(() => undefined); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "flush-queue") flush().catch(() => undefined);
    });
  }
  return flush().catch(() => 0);
}
