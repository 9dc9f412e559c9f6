/* The live room: wires the socket (socket.js), the state (state.js) and the views (views.js) to
   the page's buttons and forms. Every change goes through the API; what comes back arrives as
   a live event like anybody else's. */

import { confirmStep } from "../../ecabinet/confirm.js";
import { createAbsenceRequests } from "./absence.js";
import { createAlerts } from "./alerts.js";
import { post, postQueued } from "./api.js";
import { createConference } from "./conference.js";
import { createSeatMap } from "./seatmap.js";
import { connectLive } from "./socket.js";
import { createViews } from "./views.js";

const cfg = JSON.parse(document.getElementById("room-config").textContent);
const T = cfg.t;
const $ = (id) => document.getElementById(id);
const base = "/meetings/" + cfg.meeting;

function flash(text) {
  let el = $("flash");
  if (!el) {
    el = document.createElement("p");
    el.id = "flash";
    el.className = "error";
    el.setAttribute("role", "alert");
    $("room").prepend(el);
  }
  el.textContent = text;
  setTimeout(() => { if (el.textContent === text) el.remove(); }, 6000);
}

/** A call whose refusal is shown in the flash (views that show errors in place use call()). */
const call = (path, body) => post(cfg.api, path, body, T.error);
const send = (path, body) => call(path, body).catch((err) => { flash(err.message); throw err; });
const quiet = (promise) => promise.catch(() => {});
/** A change allowed offline (static/ecabinet/offline.js): queued without a connection. */
const queued = (path, body, label) => postQueued(cfg.api, path, body, T.error, label)
  .then((result) => { if (result && result.queued && T.queued) flash(T.queued); return result; })
  .catch((err) => { flash(err.message); throw err; });

let live = null, state = null;
const seenItem = () => (state && state.meeting ? state.meeting.current_item || null : null);
const now = () => Date.now() + (live ? live.clockSkew() : 0);

const act = {
  setCurrent: (id) => quiet(send(base + "/current", { item: id })),
  postpone: (id) => quiet(send("/live/items/" + id + "/postpone")),
  reorder: (order) => quiet(send(base + "/live/reorder", { order })),
  saveItem: (id, kind, text) => kind === "title"
    ? call("/live/items/" + id, { title: text })
    : call("/live/items/" + id + "/conclusion", { text }),
  checkInFor: (participant, present) => quiet(send(base + "/attendance", { participant, present })),
  grant: (id) => {
    const box = $("speaker-minutes"), minutes = box && box.value ? parseInt(box.value, 10) : null;
    return quiet(send("/speakers/" + id + "/grant", minutes ? { time_limit_minutes: minutes } : {}));
  },
  finish: (id) => quiet(send("/speakers/" + id + "/finish")),
  withdraw: (id) => quiet(send("/speakers/" + id + "/withdraw")),
  saveSummary: (id, text) => call("/speakers/" + id + "/summary", { text }),
  vote: (poll, choice) => quiet(send("/polls/" + poll + "/ballot", { choice })),
  // From the vote sheet: the sheet shows a refusal itself (it may cover the flash).
  castBallot: (poll, choice) => call("/polls/" + poll + "/ballot", { choice }),
  // The sheet's check-in before a vote: kept offline like the buttons' (the sheet shows a refusal).
  checkIn: (remote) => postQueued(cfg.api, base + "/checkin", { remote }, T.error),
  openPoll: (id) => quiet(send("/polls/" + id + "/open")),
  closePoll: (id) => quiet(send("/polls/" + id + "/close")),
  // --- votes prepared and run: pause/resume (chair), ready to vote (members), signed ballots ---
  pausePoll: (id) => quiet(send("/polls/" + id + "/pause")),
  resumePoll: (id) => quiet(send("/polls/" + id + "/resume")),
  ready: (id) => quiet(send("/polls/" + id + "/ready")),
  unready: (id) => quiet(send("/polls/" + id + "/unready")),
  signedVote: (poll, choice, pin) => quiet(send("/polls/" + poll + "/signed-ballot", { choice, pin })),
  castSigned: (poll, choice, pin) => call("/polls/" + poll + "/signed-ballot", { choice, pin }),
};

const render = createViews({ cfg, T, now, act });
const alerts = createAlerts({ T, act });
const conference = createConference({ cfg, T });
// The live seat map (fn117) and the absence requests (fn113): their own modules.
const seatMap = createSeatMap($("live-seat-map"));
const absence = createAbsenceRequests({
  decide: (id, decision, note) => call(base + "/participants/" + id + "/absence", { decision, note }),
});

function setConn(kind) {
  const label = { connecting: T.connecting, online: T.online, offline: T.offline, denied: T.denied }[kind];
  $("conn").dataset.state = kind === "denied" ? "offline" : kind;
  $("conn-label").textContent = label;
}

// --- the console's buttons and forms -------------------------------------------------------
const buttons = {
  start: () => quiet(send(base + "/start")),
  end: (button) => confirmStep(button.dataset.confirm, button.textContent).then((yes) => {
    if (yes) quiet(send(base + "/end"));
  }),
  checkin: (b) => quiet(queued(base + "/checkin", { remote: false }, b.textContent)),
  "checkin-remote": (b) => quiet(queued(base + "/checkin", { remote: true }, b.textContent)),
  // with the item the member saw: refused (moved_on) if it changed before the request arrives
  "ask-speak": (b) => quiet(queued(base + "/speakers", { kind: "speak", seen_item: seenItem() }, b.textContent)),
  "ask-question": (b) => quiet(queued(base + "/speakers", { kind: "question", seen_item: seenItem() }, b.textContent)),
};
document.querySelectorAll("[data-act]").forEach((b) => b.addEventListener("click", () => buttons[b.dataset.act](b)));

function onSubmit(id, fn) {
  const form = $(id);
  if (form) form.addEventListener("submit", (e) => { e.preventDefault(); fn(form); });
}
onSubmit("add-item", (f) => quiet(send(base + "/live/items", {
  title: f.title.value, duration_minutes: f.minutes.value ? parseInt(f.minutes.value, 10) : null,
}).then(() => f.reset())));
onSubmit("new-poll", (f) => {
  const options = f.options.value.split(";").map((s) => s.trim()).filter(Boolean);
  quiet(send(base + "/polls", { question: f.question.value, options: options.length ? options : null,
    secret: f.secret.checked, show_live: f.show_live.checked, majority: f.majority.value,
    ballot_set: options.length ? "custom" : (f.ballot_set ? f.ballot_set.value : null),
    signed: f.signed ? f.signed.checked : false }).then(() => f.reset()));
});
onSubmit("attach", (f) => {
  if (!f.file.files.length) return;
  const data = new FormData();
  data.append("file", f.file.files[0]);
  data.append("title", f.file.files[0].name);
  if (f.current.checked && state && state.meeting.current_item) data.append("item", state.meeting.current_item);
  quiet(send(base + "/conclusion/attachments", data).then(() => f.reset()));
});
onSubmit("quorum-form", (f) => {
  const percent = parseFloat(f.percent.value);
  if (isNaN(percent) || percent <= 0 || percent >= 100) { flash(T.quorum_invalid); return; }
  quiet(send(base + "/quorum", { fraction: Math.round(percent * 10) / 1000 }).then(() => f.percent.blur()));
});
onSubmit("meeting-conclusion", (f) => quiet(send(base + "/conclusion", { text: f.text.value })));

// The check-in QR rotates: reload the image (a new signed token) on a timer.
const qr = $("qr");
if (qr && cfg.qr) {
  const reloadQr = () => { qr.src = cfg.qr + "?_=" + Date.now(); };
  reloadQr();
  setInterval(reloadQr, cfg.qrSeconds * 1000);
}

live = connectLive({
  path: cfg.ws,
  onStatus: setConn,
  onState: (next, revision) => {
    const prev = state;
    state = next;
    render(prev, next);
    alerts(prev, next);
    conference(next);
    seatMap(next);
    absence(next);
    document.body.dataset.revision = revision;
  },
});
setInterval(render.tick, 1000); // the speaker's countdown, without redrawing anything
setInterval(() => { if (state) render.timers(state); }, 15000); // clocks

window.eRoom = { state: () => state, revision: () => live.revision(), drop: () => live.drop(), renders: render.counts };
