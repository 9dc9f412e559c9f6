/* The unread badge of the top bar, live: one socket per page to /ws/me/ (ecabinet/live.py), which
 * sends {"type": "unread", "count": N} on connect and whenever the count changes (a new
 * notification, all marked read). Reconnects with a growing, jittered delay (1 s up to 60 s) and
 * at once when the page comes back online or into view; a ping every 25 s keeps proxies open. */
// the badge beside "Notifications" and, on a phone, the one on the menu button
const badges = document.querySelectorAll("[data-unread-badge]");
const MIN_DELAY = 1000;
const MAX_DELAY = 60000;
let delay = MIN_DELAY;
let socket = null;
let timer = null;
let pinger = null;

function show(count) {
  for (const badge of badges) {
    badge.textContent = String(count);
    badge.hidden = !(count > 0);
  }
  document.documentElement.dataset.unread = String(count);
}

function schedule() {
  if (timer !== null) return;
  const wait = Math.round(delay * (0.5 + Math.random()));
  delay = Math.min(delay * 2, MAX_DELAY);
  timer = setTimeout(() => { timer = null; connect(); }, wait);
}

function connect() {
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  try {
    socket = new WebSocket(`${scheme}//${location.host}/ws/me/`);
  } catch (_) {
    schedule();
    return;
  }
  socket.addEventListener("open", () => {
    delay = MIN_DELAY;
    document.documentElement.dataset.meSocket = "open";
    clearInterval(pinger);
    pinger = setInterval(() => {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
    }, 25000);
  });
  socket.addEventListener("message", (event) => {
    let frame = null;
    try { frame = JSON.parse(event.data); } catch (_) { return; }
    if (frame && frame.type === "unread" && Number.isInteger(frame.count)) show(frame.count);
  });
  socket.addEventListener("close", (event) => {
    document.documentElement.dataset.meSocket = "closed";
    clearInterval(pinger);
    socket = null;
    if (event.code === 4401) return; // signed out: nothing to show until the next page
    schedule();
  });
}

function now() {
  if (timer !== null) { clearTimeout(timer); timer = null; }
  delay = MIN_DELAY;
  connect();
}

if (badges.length && "WebSocket" in window) {
  connect();
  window.addEventListener("online", now);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") now(); });
}
