/* The hall screen (tender fn121): the room's public view on the big screen in the meeting hall.

   The same live protocol, socket and reducer as the room (../room/socket.js, ../room/state.js):
   the server sends this "display" viewer what every participant sees and nothing else, so this
   script only chooses what to show large. It changes nothing (no API call): the only requests
   are the socket and the rotating check-in QR code. */

import { connectLive } from "../room/socket.js";
import { agendaInOrder, byId } from "../room/state.js";

const cfg = JSON.parse(document.getElementById("hall-config").textContent);
const T = cfg.t;
const $ = (id) => document.getElementById(id);
const QUEUE_SHOWN = 6;

let live = null, state = null;
const now = () => Date.now() + (live ? live.clockSkew() : 0);

function text(el, value) {
  if (el && el.textContent !== value) el.textContent = value;
}

function fill(template, values) {
  return Object.entries(values).reduce((s, [k, v]) => s.replace("%(" + k + ")s", String(v)), template);
}

/** mm:ss, or h:mm:ss from an hour on. */
function clock(seconds) {
  const s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return (h ? h + ":" + two(m) : two(m)) + ":" + two(r);
}

function personName(people, id) {
  const p = people.get(id);
  return p ? (p.full_name || p.username) : "";
}

// --- what to show, read from the state --------------------------------------------------

function currentItem(s) {
  const id = s.meeting.current_item;
  return id ? s.agenda_items.find((i) => i.id === id) || null : null;
}

function speakerNow(s) {
  const speaking = s.speakers.filter((r) => r.status === "speaking");
  speaking.sort((a, b) => Date.parse(a.started_at || 0) - Date.parse(b.started_at || 0));
  return speaking.length ? speaking[speaking.length - 1] : null;
}

function waiting(s, kind) {
  return s.speakers.filter((r) => r.status === "waiting" && r.kind === kind)
    .sort((a, b) => Date.parse(a.requested_at) - Date.parse(b.requested_at) || a.id - b.id);
}

/** Poll statuses are read defensively (the vote may gain states, e.g. paused): a poll is in
    progress once opened and until closed; a closed one is shown until the item changes or
    another vote opens. */
function shownPoll(s) {
  const running = s.polls.filter((p) => p.status !== "closed" && p.status !== "draft" && p.opened_at && !p.closed_at);
  if (running.length) {
    running.sort((a, b) => Date.parse(a.opened_at) - Date.parse(b.opened_at) || a.id - b.id);
    return running[running.length - 1];
  }
  const item = currentItem(s);
  const since = item && item.started_at ? Date.parse(item.started_at) : 0;
  const closed = s.polls.filter((p) => p.status === "closed" && p.closed_at && Date.parse(p.closed_at) >= since);
  closed.sort((a, b) => Date.parse(a.closed_at) - Date.parse(b.closed_at) || a.id - b.id);
  return closed.length ? closed[closed.length - 1] : null;
}

// --- rendering ------------------------------------------------------------------------------

function renderQueue(list, rows, people) {
  list.replaceChildren();
  if (!rows.length) {
    const li = document.createElement("li");
    li.className = "hall-none";
    li.textContent = T.none;
    list.append(li);
    return;
  }
  for (const row of rows.slice(0, QUEUE_SHOWN)) {
    const li = document.createElement("li");
    li.textContent = personName(people, row.participant);
    li.dataset.request = row.id;
    list.append(li);
  }
  if (rows.length > QUEUE_SHOWN) {
    const li = document.createElement("li");
    li.className = "hall-more";
    li.textContent = fill(T.more, { n: rows.length - QUEUE_SHOWN });
    list.append(li);
  }
}

function renderVote(s) {
  const poll = shownPoll(s);
  const box = $("hall-vote");
  box.hidden = !poll;
  $("hall-queues").hidden = !!poll;
  if (!poll) {
    delete box.dataset.poll;
    return;
  }
  const closed = poll.status === "closed";
  const paused = !closed && (poll.paused === true || poll.status !== "open");
  box.dataset.poll = poll.id;
  box.dataset.status = poll.status;
  text($("vote-status"), closed ? T.vote_closed : paused ? T.vote_paused : T.vote_open);
  text($("vote-kind"), "· " + (poll.secret ? T.secret : T.open_ballot));
  text($("vote-question"), poll.question);
  const options = $("vote-options");
  options.replaceChildren();
  const counted = poll.options.some((o) => o.count !== null && o.count !== undefined);
  const total = counted ? poll.options.reduce((n, o) => n + (o.count || 0), 0) : 0;
  for (const option of poll.options) {
    const li = document.createElement("li");
    li.dataset.testid = "hall-option-" + option.key;
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = option.label;
    li.append(label);
    if (option.count !== null && option.count !== undefined) {
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(option.count);
      li.append(count);
      const bar = document.createElement("span");
      bar.className = "bar";
      const fillBar = document.createElement("span");
      fillBar.style.width = (total ? Math.round((100 * option.count) / total) : 0) + "%";
      bar.append(fillBar);
      li.append(bar);
    }
    options.append(li);
  }
  const present = s.room && s.room.quorum ? s.room.quorum.present : null;
  text($("vote-cast"), poll.votes_cast + " " + T.votes_cast + (present !== null ? " / " + present + " " + T.present : "")
    + (!counted && !closed ? " · " + T.counts_hidden : ""));
  const result = $("vote-result");
  if (closed && poll.result) {
    result.hidden = false;
    const passed = !!poll.result.passed;
    result.className = "hall-result " + (passed ? "passed" : "failed");
    text(result, (passed ? T.passed : T.not_passed) + (poll.result.quorum === false ? " (" + T.no_quorum + ")" : ""));
  } else {
    result.hidden = true;
  }
}

function renderAttendance(s) {
  const figures = s.room && s.room.attendance;
  if (figures) {
    text($("att-members"), figures.members_present + "/" + figures.members);
    text($("att-guests"), figures.guests ? T.guests_present + ": " + figures.guests_present + "/" + figures.guests : "");
  }
  const quorum = s.room && s.room.quorum;
  const q = $("att-quorum");
  if (quorum) {
    q.className = "hall-quorum " + (quorum.reached ? "ok" : "missing");
    text(q, quorum.reached ? T.quorum_ok : T.quorum_missing);
  }
}

let qrTimer = null;
function renderQr(s) {
  const open = !!(s.meeting.allows && s.meeting.allows.check_in);
  const box = $("qr-box");
  if (open && qrTimer === null) {
    const img = $("hall-qr");
    const reload = () => { img.src = cfg.qr + "?_=" + Date.now(); };
    reload();
    qrTimer = setInterval(reload, cfg.qrSeconds * 1000);
  } else if (!open && qrTimer !== null) {
    clearInterval(qrTimer);
    qrTimer = null;
  }
  box.hidden = !open;
}

function render(s) {
  const people = byId(s.participants);
  text($("hall-title"), s.meeting.title);
  const status = $("hall-status");
  status.dataset.status = s.meeting.status;
  text(status, T[s.meeting.status] || s.meeting.status);

  const item = currentItem(s);
  const items = agendaInOrder(s);
  text($("item-title"), item ? item.title : T.no_current_item);
  text($("item-position"), item ? "· " + fill(T.item_of, { n: items.indexOf(item) + 1, total: items.length }) : "");
  $("item-title").dataset.item = item ? item.id : "";

  const speaker = speakerNow(s);
  text($("speaker-name"), speaker ? personName(people, speaker.participant) : T.nobody_speaking);
  text($("speaker-kind"), speaker ? "· " + (speaker.kind === "question" ? T.question : T.speak) : "");
  $("speaker-name").dataset.request = speaker ? speaker.id : "";

  renderQueue($("queue-speak"), waiting(s, "speak"), people);
  renderQueue($("queue-question"), waiting(s, "question"), people);
  renderVote(s);
  renderAttendance(s);
  renderQr(s);
  tick();
}

/** The clock and the timers, every second, without touching anything else. */
function tick() {
  const at = now();
  text($("hall-clock"), new Date(at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }));
  if (!state) return;
  const item = currentItem(state);
  const itemTime = $("item-time");
  if (item && item.started_at && state.meeting.status === "in_progress") {
    const elapsed = (at - Date.parse(item.started_at)) / 1000;
    if (item.duration_minutes) {
      const left = item.duration_minutes * 60 - elapsed;
      itemTime.classList.toggle("over", left < 0);
      text(itemTime, left >= 0 ? clock(left) + " " + T.left : T.overtime + " " + clock(left));
    } else {
      itemTime.classList.remove("over");
      text(itemTime, clock(elapsed) + " " + T.elapsed);
    }
  } else {
    text(itemTime, "");
  }
  const speaker = speakerNow(state);
  const speakerTime = $("speaker-time");
  if (speaker && speaker.started_at) {
    const elapsed = (at - Date.parse(speaker.started_at)) / 1000;
    if (speaker.time_limit_minutes) {
      const left = speaker.time_limit_minutes * 60 - elapsed;
      speakerTime.classList.toggle("over", left < 0);
      speakerTime.dataset.left = String(Math.round(left));
      text(speakerTime, left >= 0 ? clock(left) : T.overtime + " " + clock(left));
    } else {
      speakerTime.classList.remove("over");
      delete speakerTime.dataset.left;
      text(speakerTime, clock(elapsed) + " " + T.elapsed);
    }
  } else {
    delete speakerTime.dataset.left;
    text(speakerTime, "");
  }
}

function setConn(kind) {
  $("conn").dataset.state = kind === "denied" ? "offline" : kind;
  text($("conn-label"), { connecting: T.connecting, online: T.online, offline: T.offline, denied: T.offline }[kind] || "");
}

live = connectLive({
  path: cfg.ws,
  onStatus: setConn,
  // The link was revoked or expired: the page itself now answers 404, with no hint.
  onDenied: () => setTimeout(() => location.reload(), 1000),
  onState: (next, revision) => {
    state = next;
    render(next);
    document.body.dataset.revision = revision;
  },
});
tick();
setInterval(tick, 1000);

window.eHall = { state: () => state, revision: () => live.revision(), drop: () => live.drop() };
