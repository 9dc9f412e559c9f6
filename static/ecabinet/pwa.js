/* Every signed-in page: registers the service worker (/sw.js) and tells it who is signed in,
 * keeps the device's offline copy in sync (now, when the connection is back, every few minutes),
 * sends the offline queue, shows the offline box (offline, changes waiting, changes refused), and
 * empties the caches and the queue on sign-out. (Notes typed offline: the viewer, through net.js.)
 *
 * Strings come from the offline box's data attributes (templates/_offline.html). */

import { clearQueue, dismiss, flush, queued, startQueue } from "./offline.js";

const SYNC_EVERY_MS = 5 * 60 * 1000;
const box = document.getElementById("offline-box");
const T = box ? box.dataset : {};
const user = Number(document.body.dataset.user || 0);

function fill(template, value) {
  return (template || "").replace("%(n)s", String(value));
}

// --- the service worker ------------------------------------------------------------------------

function ask(message) {
  if (!("serviceWorker" in navigator)) return Promise.resolve({ ok: false, reason: "unsupported" });
  return navigator.serviceWorker.ready.then((registration) => new Promise((resolve) => {
    const worker = registration.active;
    if (!worker) { resolve({ ok: false }); return; }
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  }));
}

let registered = Promise.resolve(null);
if ("serviceWorker" in navigator && user) {
  registered = navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => null);
}

function sync() {
  return registered.then(() => ask({ type: "sync" })).catch(() => ({ ok: false }));
}

const hello = registered.then(() => ask({ type: "hello", user })).catch(() => ({ ok: false }));
window.addEventListener("online", () => { sync(); });
setInterval(() => { if (navigator.onLine) sync(); }, SYNC_EVERY_MS);

// --- the offline box ---------------------------------------------------------------------------

function render(items) {
  if (!box) return;
  const pending = items.filter((item) => item.state === "pending");
  const refused = items.filter((item) => item.state === "refused");
  box.replaceChildren();
  if (!navigator.onLine) {
    const p = document.createElement("p");
    p.textContent = T.offline;
    p.dataset.testid = "offline-notice";
    box.append(p);
  }
  if (pending.length) {
    const p = document.createElement("p");
    p.textContent = fill(T.pending, pending.length);
    p.dataset.testid = "queue-pending";
    box.append(p);
  }
  refused.forEach((item) => {
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.dataset.testid = "queue-refused";
    p.textContent = (item.label ? item.label + ": " : "") + T.refused + " " + item.message + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "linklike";
    button.textContent = T.dismiss;
    button.addEventListener("click", () => { dismiss(item.key).catch(() => undefined); });
    p.append(button);
    box.append(p);
  });
  box.hidden = !box.childElementCount;
  document.body.dataset.queue = String(pending.length);
}

let lastItems = [];
window.addEventListener("ecab:queue", (event) => { lastItems = event.detail; render(lastItems); });
window.addEventListener("online", () => render(lastItems));
window.addEventListener("offline", () => render(lastItems));

// --- sign-out: nothing of this person stays on the device ----------------------------------------

async function forget() {
  try { await ask({ type: "logout" }); } catch (_) { /* no worker */ }
  if (window.caches) {
    for (const name of await caches.keys()) {
      if (name.startsWith("ecab-")) await caches.delete(name);
    }
  }
  await clearQueue();
}

document.querySelectorAll("form[data-logout]").forEach((form) => {
  let done = false;
  form.addEventListener("submit", (event) => {
    if (done) return;
    event.preventDefault();
    const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
    Promise.race([forget(), timeout]).catch(() => undefined).finally(() => { done = true; form.submit(); });
  });
});

// --- start ---------------------------------------------------------------------------------------

startQueue();
queued().then(render, () => undefined);

// For tests and for other scripts: the sync (resolves when the worker has finished it), the queue.
window.ecabOffline = { sync, hello: () => hello, flush, queued };
