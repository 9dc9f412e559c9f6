/* The live socket of one meeting: connect with `since`, apply events strictly in order, ask for
   a resync on a gap, reconnect with backoff, ping to keep proxies from closing it.
   Used by the room and by the meeting page. */

import { applySnapshot, reduce } from "./state.js";

// A drop shorter than this is not shown: the reconnect banner would only flash.
export const DROP_GRACE_MS = 3000;

/** onStatus, except that once connected, "connecting"/"offline" is shown only after
 *  DROP_GRACE_MS without a connection; "online" and "denied" are shown at once. */
function quietDrops(show) {
  let shown = null, waiting = null, timer = null;
  return function status(kind) {
    if (kind === "online" || kind === "denied" || shown === null || shown !== "online") {
      clearTimeout(timer);
      timer = null;
      if (kind !== shown) { shown = kind; show(kind); }
      return;
    }
    waiting = kind;
    if (timer === null) {
      timer = setTimeout(() => { timer = null; shown = waiting; show(waiting); }, DROP_GRACE_MS);
    }
  };
}

/**
 * connectLive({ path, onState(state, revision, frame), onStatus(kind), onDenied() })
 * onState is called with the new state after a snapshot or an in-order event.
 * Returns { drop(), send(obj), revision(), state(), clockSkew() }.
 */
export function connectLive({ path, onState, onStatus: showStatus = () => {}, onDenied = () => {} }) {
  let state = null, revision = null, socket = null, retry = 0, stopped = false, skew = 0;
  let pingTimer = null, reconnectTimer = null;
  const onStatus = quietDrops(showStatus);

  function send(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(obj));
  }

  function onFrame(ws, frame) {
    if (frame.type === "snapshot") {
      state = applySnapshot(frame);
      revision = frame.revision;
      if (frame.server_time) skew = Date.parse(frame.server_time) - Date.now();
      onState(state, revision, frame);
    } else if (frame.type === "event") {
      if (revision !== null && frame.revision <= revision) return; // already applied
      if (revision === null || frame.revision !== revision + 1) {
        send({ type: "resync" }); // a gap: never apply out of order
        return;
      }
      state = reduce(state, frame.event, frame.data);
      revision = frame.revision;
      onState(state, revision, frame);
    } else if (frame.type === "error") {
      if (frame.code === "forbidden" || frame.code === "not_found") {
        stopped = true;
        onStatus("denied");
        onDenied(frame);
        ws.close();
      } else if (frame.code === "revision_ahead") {
        revision = null;
      }
    }
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (stopped) return;
    const proto = location.protocol === "https:" ? "wss://" : "ws://";
    const url = proto + location.host + path + (revision !== null ? "?since=" + revision : "");
    onStatus("connecting");
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      onStatus("online");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => send({ type: "ping" }), 25000);
    };
    ws.onmessage = (msg) => { if (ws === socket) onFrame(ws, JSON.parse(msg.data)); };
    ws.onclose = () => {
      if (ws !== socket) return;
      clearInterval(pingTimer);
      if (stopped) return;
      onStatus("offline");
      const delay = Math.min(10000, 500 * 2 ** retry++) * (0.75 + Math.random() * 0.5);
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  window.addEventListener("offline", () => {
    onStatus("offline");
    if (socket) socket.close();
  });
  window.addEventListener("online", () => { retry = 0; connect(); });
  connect();

  return {
    drop() { if (socket) socket.close(); },
    send,
    revision: () => revision,
    state: () => state,
    clockSkew: () => skew,
  };
}
