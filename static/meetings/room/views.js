/* The room's views: each part of the page declares the slices of state it shows and is
   re-rendered only when one of them is a new object (the reducer keeps untouched slices).
   Who may do what comes from state.permissions and the page config, never from a rule here. */

import {
  agendaInOrder, allows, byId, focusPoll, holdsVote, iAmReady, isMine, may, mayVoteNow, mayWithdraw, myAttendance,
  pollsInOrder, readySeats, votingSeats,
} from "./state.js";

const $ = (id) => document.getElementById(id);

export function h(tag, attrs, children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "onclick") el.addEventListener("click", v);
    else el.setAttribute(k, v);
  }
  for (const c of children || []) if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

/** Show or hide an element of the page (a button the moment allows, or not). */
function show(el, yes) {
  if (el) el.hidden = !yes;
}

function fill(id, nodes) {
  const el = $(id);
  if (el) el.replaceChildren(...nodes);
}

const mins = (ms) => Math.round(ms / 60000);

/**
 * createViews(ctx): ctx = { cfg, T, now(), act: {name: fn(...)} } where act holds the API calls.
 * Returns render(prev, next, {force}) that redraws only the parts whose slices changed.
 */
export function createViews(ctx) {
  const { cfg, T } = ctx;
  const name = (state, pid) => {
    const p = byId(state.participants).get(pid);
    return p ? (p.full_name || p.username) : "?";
  };

  // --- header -----------------------------------------------------------------------------
  function header(s) {
    const m = s.meeting;
    $("meeting-title").textContent = m.title;
    const st = $("meeting-status");
    st.textContent = T[m.status] || m.status;
    st.className = "status " + m.status;
    st.dataset.status = m.status;
    let clock = "";
    if (m.status === "in_progress" && m.started_at) {
      clock = T.elapsed + " " + mins(ctx.now() - Date.parse(m.started_at)) + "′";
      const left = Date.parse(m.ends_at) - ctx.now();
      clock += " · " + (left >= 0 ? mins(left) + " " + T.minutes_left : T.overtime);
    }
    $("meeting-clock").textContent = clock;
    // The console's buttons: only what the meeting's moment allows (no start once started).
    const runs = may(s, "run");
    show(document.querySelector("[data-act=start]"), runs && allows(s, "start"));
    show(document.querySelector("[data-act=end]"), runs && allows(s, "end"));
  }

  // --- agenda: rows keyed by item id; an open editor survives live updates of its row ------
  function itemTimer(it) {
    if (it.status !== "current" || !it.started_at || !it.duration_minutes) return "";
    const left = Date.parse(it.started_at) + it.duration_minutes * 60000 - ctx.now();
    return left >= 0 ? " · " + mins(left) + " " + T.minutes_left : " · " + T.overtime + " " + mins(-left);
  }

  function openEditor(li, it, kind) {
    const slot = li.querySelector(".editor-slot");
    const template = $(kind + "-editor-template");
    if (!slot || !template) return;
    const form = template.content.firstElementChild.cloneNode(true);
    const field = form.elements.namedItem("text");
    field.value = kind === "title" ? it.title : (it.conclusion || "");
    const error = form.querySelector("[data-error]");
    const close = () => { slot.replaceChildren(); li.querySelector("[data-edit=" + kind + "]")?.focus(); };
    form.querySelector("[data-cancel]").addEventListener("click", close);
    form.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = field.value;
      if (kind === "title" && !text.trim()) {
        error.textContent = form.dataset.required;
        error.hidden = false;
        field.focus();
        return;
      }
      const save = form.querySelector("[type=submit]");
      save.disabled = true;
      ctx.act.saveItem(it.id, kind, text).then(() => {
        slot.replaceChildren();
      }, (err) => {
        error.textContent = err.message;
        error.hidden = false;
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }).finally(() => { save.disabled = false; });
    });
    slot.replaceChildren(form);
    field.focus();
  }

  function agendaRow(s, it, ids, idx) {
    let controls = null;
    if (may(s, "run")) {
      const move = (d) => () => {
        const order = ids.slice(), j = idx + d;
        if (j < 0 || j >= order.length) return;
        order[idx] = order[j];
        order[j] = it.id;
        ctx.act.reorder(order);
      };
      // Discussing or postponing an item needs the meeting in progress (meeting.allows.steer).
      const steer = allows(s, "steer");
      controls = h("span", { class: "controls" }, [
        steer && it.status !== "current" ? h("button", { text: T.set_current, "data-testid": "set-current-" + it.id,
          onclick: () => ctx.act.setCurrent(it.id) }) : null,
        steer && it.status !== "done" && it.status !== "postponed" ? h("button", { text: T.postpone,
          "data-testid": "postpone-" + it.id, onclick: () => ctx.act.postpone(it.id) }) : null,
        h("button", { text: T.edit, "data-edit": "title", "data-testid": "edit-title-" + it.id,
          onclick: (e) => openEditor(e.target.closest("li"), it, "title") }),
        h("button", { text: T.conclusion, "data-edit": "conclusion", "data-testid": "edit-conclusion-" + it.id,
          onclick: (e) => openEditor(e.target.closest("li"), it, "conclusion") }),
        // follow-up: give a task from this item's conclusion (the meeting's tasks page, in a new tab)
        it.conclusion ? h("a", { class: "button", text: T.give_task, target: "_blank", rel: "noopener",
          href: "/meetings/" + s.meeting.id + "/tasks/?item=" + it.id + "#new-task", "data-testid": "give-task-" + it.id })
          : null,
        h("button", { text: "↑", title: T.up, "aria-label": T.up, onclick: move(-1) }),
        h("button", { text: "↓", title: T.down, "aria-label": T.down, onclick: move(1) }),
      ]);
    }
    return h("div", { class: "item-row" }, [
      h("strong", { text: it.title }),
      h("span", { class: "muted", text: " · " + (T[it.status] || it.status) +
        (it.duration_minutes ? " · " + it.duration_minutes + "′" : "") + itemTimer(it) }),
      it.conclusion ? h("div", { class: "conclusion", "data-testid": "conclusion-" + it.id,
        text: T.conclusion + ": " + it.conclusion }) : null,
      controls,
    ]);
  }

  function agenda(s) {
    const current = $("console-current");
    if (current) {
      const it = byId(s.agenda_items).get(s.meeting.current_item);
      current.textContent = it ? T.under_discussion + ": " + it.title : T.no_current_item;
    }
    const list = $("agenda");
    const items = agendaInOrder(s), ids = items.map((i) => i.id);
    const existing = new Map([...list.children].map((li) => [Number(li.dataset.id), li]));
    const rows = items.map((it, idx) => {
      let li = existing.get(it.id);
      if (!li) {
        li = h("li", { "data-id": it.id, "data-testid": "item-" + it.id }, [h("div", { class: "editor-slot" })]);
      }
      li.className = "item " + it.status;
      li.dataset.status = it.status;
      li.firstElementChild.classList.contains("item-row")
        ? li.firstElementChild.replaceWith(agendaRow(s, it, ids, idx))
        : li.prepend(agendaRow(s, it, ids, idx));
      return li;
    });
    // Append in order: moving a row that holds the focused editor keeps it (append moves nodes).
    rows.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
    while (list.children.length > rows.length) list.lastElementChild.remove();
  }

  // --- documents and conclusion -----------------------------------------------------------
  function documents(s) {
    const cur = s.meeting.current_item;
    fill("documents", s.documents.filter((d) => cur && d.agenda_item === cur).map((d) =>
      h("li", {}, [h("a", { href: cfg.api + "/documents/" + d.id + "/file", text: d.title })])));
    fill("attachments", s.conclusion_attachments.map((a) => h("li", {}, [h("a", { href: a.url, text: "📎 " + a.title })])));
    $("room-conclusion").textContent = s.room && s.room.conclusion ? T.conclusion + ": " + s.room.conclusion : "";
    const box = $("conclusion-text");
    // Not while the secretary is typing: a live update must not overwrite the field.
    if (box && document.activeElement !== box && s.room) box.value = s.room.conclusion || "";
  }

  // --- attendance -------------------------------------------------------------------------
  // Someone not checked in: their state (fn113: not confirmed, absence requested, excused...);
  // once the meeting ended, anyone who did not come and sent nobody was absent.
  const notHere = (s, p) => (s.meeting.status === "ended" && p.state !== "delegated" ? T.absent
    : T["state_" + p.state] || T.absent);

  function attendance(s) {
    const att = byId(s.attendances);
    // The figures are the server's (state.room: meetings/access.py count_quorum, count_attendance).
    const counts = s.room.attendance, quorum = s.room.quorum, fraction = s.room.quorum_fraction;
    $("counts").textContent = T.members_present + ": " + counts.members_present + "/" + counts.members + " · " +
      T.guests_present + ": " + counts.guests_present + "/" + counts.guests;
    const q = $("quorum");
    q.textContent = (quorum.reached ? T.quorum_ok : T.quorum_missing) + " (" + quorum.present + "/" + quorum.eligible + ")";
    q.className = quorum.reached ? "ok" : "muted";
    q.dataset.fraction = fraction;
    q.dataset.required = quorum.required;
    const qbox = $("quorum-percent");
    if (qbox && document.activeElement !== qbox) qbox.value = Math.round(fraction * 1000) / 10;
    const checkIn = allows(s, "check_in"), mine = myAttendance(s);
    const checkInOthers = may(s, "check_in_others") && checkIn;
    // One's own check-in: while the meeting runs, and only the way one is not checked in yet.
    show($("checkin-buttons"), checkIn);
    show(document.querySelector("[data-act=checkin]"), !(mine && !mine.remote));
    show(document.querySelector("[data-act=checkin-remote]"), !(mine && mine.remote));
    fill("people", s.participants.map((p) => {
      const a = att.get(p.id);
      return h("li", { class: a ? "here" : "away" }, [
        h("span", { text: (p.full_name || p.username) + " · " }),
        h("span", { class: "muted", "data-state": p.state, text: a ? T.present + (a.remote ? " (" + T.remote + ")" : "")
          : notHere(s, p) }),
        checkInOthers ? h("button", { text: a ? T.undo : T.check_in_for, onclick: () => ctx.act.checkInFor(p.id, !a) }) : null,
      ]);
    }));
  }

  // --- the floor --------------------------------------------------------------------------
  function tickCountdown() {
    const el = $("speaker-countdown");
    if (!el) return;
    const left = Math.round((Number(el.dataset.ends) - ctx.now()) / 1000), over = left < 0, sec = Math.abs(left);
    el.textContent = " · " + (over ? T.overtime + " " : "") + Math.floor(sec / 60) + ":" + String(sec % 60).padStart(2, "0") +
      (over ? "" : " " + T.minutes_left);
    el.className = over ? "countdown over" : "countdown";
    el.dataset.over = over ? "1" : "0";
  }

  function floor(s) {
    const open = allows(s, "floor");
    const giveFloor = may(s, "give_floor") && open;
    show($("ask-buttons"), open);
    const speaking = s.speakers.find((r) => r.status === "speaking");
    fill("speaking", [speaking
      ? h("p", { class: "speaking" }, [
        h("strong", { text: T.speaking + ": " + name(s, speaking.participant) }),
        h("span", { text: " · " + T.elapsed + " " + mins(ctx.now() - Date.parse(speaking.started_at)) + "′" }),
        speaking.time_limit_minutes ? h("span", { id: "speaker-countdown", class: "countdown", "data-testid": "speaker-countdown",
          "data-ends": Date.parse(speaking.started_at) + speaking.time_limit_minutes * 60000 }) : null,
        giveFloor ? h("button", { text: T.finish, onclick: () => ctx.act.finish(speaking.id) }) : null])
      : h("p", { class: "muted", text: T.nobody_speaking })]);
    tickCountdown();
    for (const kind of ["speak", "question"]) {
      fill("queue-" + kind, s.speakers.filter((r) => r.kind === kind && r.status === "waiting").map((r) => {
        return h("li", { class: isMine(s, r) ? "mine" : "" }, [
          h("span", { text: name(s, r.participant) + " " }),
          giveFloor ? h("button", { text: T.grant, "data-testid": "grant-" + r.id, onclick: () => ctx.act.grant(r.id) }) : null,
          mayWithdraw(s, r) ? h("button", { text: T.withdraw, "data-testid": "withdraw-" + r.id,
            onclick: () => ctx.act.withdraw(r.id) }) : null,
        ]);
      }));
    }
    history(s);
  }

  // --- who has spoken, and (for those running the meeting) a note per speech for the minutes --
  function noteForm(r) {
    const box = h("textarea", { name: "text", rows: "2", maxlength: "4000", "aria-label": T.speech_note,
      placeholder: T.speech_note, "data-testid": "speech-note-text-" + r.id });
    const save = h("button", { type: "submit", text: T.save_note, "data-testid": "speech-note-save-" + r.id });
    const status = h("span", { class: "muted", role: "status", "data-testid": "speech-note-status-" + r.id });
    const form = h("form", { class: "speech-note", "data-testid": "speech-note-" + r.id }, [
      box, h("div", { class: "row" }, [save, status])]);
    box.addEventListener("input", () => { box.dataset.dirty = "1"; status.textContent = ""; });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      save.disabled = true;
      ctx.act.saveSummary(r.id, box.value).then(() => {
        delete box.dataset.dirty;
        status.className = "muted";
        status.textContent = T.note_saved;
      }, (err) => {
        status.className = "error";
        status.textContent = err.message;
        box.focus();
      }).finally(() => { save.disabled = false; });
    });
    return form;
  }

  function history(s) {
    const items = byId(s.agenda_items), notes = byId(s.speech_notes);
    const runs = may(s, "run");
    const list = $("history");
    const spoken = s.speakers.filter((r) => r.status === "done" || (runs && r.status === "speaking"));
    // Rows keyed by speech: a note being typed survives the live updates of the list.
    const existing = new Map([...list.children].map((li) => [Number(li.dataset.id), li]));
    const rows = spoken.map((r) => {
      let li = existing.get(r.id);
      if (!li) {
        li = h("li", { "data-id": r.id, "data-testid": "speech-" + r.id }, [h("span", { class: "speech-line" })]);
        if (runs) li.appendChild(noteForm(r));
      }
      const it = items.get(r.item);
      const length = r.ended_at ? mins(Date.parse(r.ended_at) - Date.parse(r.started_at)) + "′" : T.speaking;
      li.querySelector(".speech-line").textContent = name(s, r.participant) + " · " + (it ? it.title : "") + " · " +
        length + " (" + T[r.kind] + ")";
      const box = li.querySelector("textarea");
      if (box && document.activeElement !== box && !box.dataset.dirty) {
        const note = notes.get(r.id);
        box.value = note ? note.summary : "";
      }
      return li;
    });
    rows.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
    while (list.children.length > rows.length) list.lastElementChild.remove();
  }

  // --- votes: the prepared list in order (fn43), pause/resume, readiness (fn42) --------------
  let readyFilter = "all";

  function voteButtons(p, voted, canVote) {
    if (p.status !== "open" || !canVote || voted.has(p.id)) return [];
    if (p.paused) return [h("p", { class: "muted", "data-testid": "paused-note-" + p.id, text: T.vote_paused_note })];
    const nodes = [];
    let pin = null;
    if (p.signed) {
      pin = h("input", { type: "password", autocomplete: "off", "aria-label": T.signing_pin, placeholder: T.signing_pin,
        "data-testid": "pin-" + p.id });
      nodes.push(h("p", { class: "muted", text: T.signed_ballot_note }), pin);
    }
    const row = h("div", { class: "row sheet-choices" });
    for (const o of p.options) {
      row.appendChild(h("button", { text: o.label, class: "vote", "data-testid": "vote-" + p.id + "-" + o.key,
        onclick: () => (p.signed ? ctx.act.signedVote(p.id, o.key, pin.value) : ctx.act.vote(p.id, o.key)) }));
    }
    nodes.push(row);
    return nodes;
  }

  function drawPolls(s) {
    const voted = byId(s.my_votes);
    const canVote = mayVoteNow(s);
    const runs = may(s, "open_poll");
    const items = byId(s.agenda_items);
    const focus = focusPoll(s);
    fill("polls", pollsInOrder(s).map((p) => {
      const it = p.item !== null ? items.get(p.item) : null;
      const status = p.status === "open" && p.paused ? T.vote_paused : T["vote_" + p.status];
      const box = h("div", { class: "poll " + p.status + (p.paused ? " paused" : "") + (focus && focus.id === p.id ? " focus" : ""),
        "data-testid": "poll-" + p.id, "data-status": p.paused ? "paused" : p.status }, [
        it ? h("p", { class: "muted", text: it.position + ". " + it.title }) : null,
        h("h3", { text: p.question }),
        h("p", { class: "muted", "data-testid": "poll-status-" + p.id,
          text: status + (p.secret ? " · " + T.secret : "") + (p.signed ? " · " + T.signed : "") + " · " + p.votes_cast + " " + T.votes_cast }),
      ]);
      const list = h("ul", { class: "options" });
      for (const o of p.options) {
        list.appendChild(h("li", {}, [h("span", { text: o.label }),
          o.count !== null ? h("strong", { class: "count", "data-testid": "count-" + p.id + "-" + o.key, text: " " + o.count }) : null]));
      }
      box.appendChild(list);
      for (const node of voteButtons(p, voted, canVote)) box.appendChild(node);
      if (voted.has(p.id)) box.appendChild(h("p", { class: "ok", text: T.you_voted }));
      if (p.result) {
        const r = p.result;
        box.appendChild(h("p", { class: "muted", "data-testid": "figures-" + p.id,
          text: r.cast + " " + T.votes_cast + " · " + r.present + " " + T.present + " · " + r.eligible + " " + T.eligible }));
        box.appendChild(h("p", { class: r.passed ? "ok result" : "error result", "data-testid": "result-" + p.id,
          text: (r.passed ? T.passed : T.not_passed) + (r.quorum ? "" : " (" + T.no_quorum + ")") }));
      }
      // A member marks themselves ready for a vote to come or in progress (fn42).
      if (holdsVote(s) && p.status !== "closed" && allows(s, "open_poll") && !voted.has(p.id)) {
        const ready = iAmReady(s, p);
        box.appendChild(h("button", { text: ready ? T.not_ready : T.ready_to_vote, class: ready ? "" : "primary",
          "data-testid": (ready ? "unready-" : "ready-") + p.id,
          onclick: () => (ready ? ctx.act.unready(p.id) : ctx.act.ready(p.id)) }));
      }
      const tools = h("div", { class: "row" });
      if (runs && p.status === "draft" && allows(s, "open_poll")) {
        tools.appendChild(h("button", { text: T.open, class: "primary", "data-testid": "open-" + p.id, onclick: () => ctx.act.openPoll(p.id) }));
      }
      if (runs && p.status === "open") {
        tools.appendChild(p.paused
          ? h("button", { text: T.resume, "data-testid": "resume-" + p.id, onclick: () => ctx.act.resumePoll(p.id) })
          : h("button", { text: T.pause, "data-testid": "pause-" + p.id, onclick: () => ctx.act.pausePoll(p.id) }));
        tools.appendChild(h("button", { text: T.close, "data-testid": "close-" + p.id, onclick: () => ctx.act.closePoll(p.id) }));
      }
      if (tools.children.length) box.appendChild(tools);
      if (runs && p.status === "open" && !p.secret) {
        const who = s.poll_voters.filter((v) => v.poll === p.id).map((v) => name(s, v.participant));
        box.appendChild(h("p", { class: "muted", text: T.voted + ": " + (who.join(", ") || T.none) }));
      }
      return box;
    }));
    readiness(s, focus);
  }

  /** Those running the meeting: who is ready for the focus poll and who is not, filterable. */
  function readiness(s, poll) {
    const panel = $("readiness");
    if (!panel) return;
    if (!may(s, "open_poll") || !poll) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const ready = readySeats(s, poll);
    const here = new Set(s.attendances.map((a) => a.participant));
    const seats = votingSeats(s);
    // A seat is present when its holder or the delegate standing in is checked in.
    const present = (seat) => here.has(seat.id) || s.participants.some((d) => d.delegate_for === seat.id && here.has(d.id));
    const count = seats.filter((seat) => ready.has(seat.id)).length;
    $("readiness-poll").textContent = poll.question;
    $("readiness-count").textContent = T.ready_count.replace("%(ready)s", count).replace("%(seats)s", seats.length);
    $("readiness-count").dataset.ready = String(count);
    const rows = seats.filter((seat) => readyFilter === "all" || (readyFilter === "ready") === ready.has(seat.id));
    fill("readiness-list", rows.map((seat) => h("li", { class: ready.has(seat.id) ? "ok" : "muted",
      "data-testid": "readiness-" + seat.id, "data-ready": ready.has(seat.id) ? "yes" : "no" }, [
      h("span", { text: name(s, seat.id) }),
      h("span", { text: " · " + (ready.has(seat.id) ? T.ready_yes : T.ready_no) + (present(seat) ? "" : " (" + T.absent + ")") }),
    ])));
  }

  const filterBox = $("readiness-filter");
  let lastState = null;
  if (filterBox) {
    filterBox.addEventListener("change", () => {
      readyFilter = filterBox.value;
      if (lastState) readiness(lastState, focusPoll(lastState));
    });
  }
  function polls(s) {
    lastState = s;
    drawPolls(s);
  }

  // Each part and the slices it reads: redrawn only when one of them is a new object.
  // A slice is a key of the state, or a function of it whose value is compared (the moment's
  // flags: a meeting.updated that changes none of them redraws nothing that reads only them).
  const moment = (s) => JSON.stringify(s.meeting.allows || {});
  // What the vote list reads of the agenda: the items' order and titles, not their status.
  const itemLabels = (s) => JSON.stringify(s.agenda_items.map((i) => [i.id, i.position, i.title]));
  const parts = [
    [header, ["meeting"]],
    [agenda, ["agenda_items", "permissions", "meeting"]],
    [documents, ["documents", "conclusion_attachments", "room", "meeting"]],
    [attendance, ["attendances", "participants", "room", "permissions", "meeting"]],
    [floor, ["speakers", "speech_notes", "participants", "agenda_items", "permissions", "viewer", moment]],
    [polls, ["polls", "my_votes", "poll_voters", "poll_ready", "attendances", "participants", "permissions", "viewer",
      moment, itemLabels]],
  ];
  const same = (prev, next, key) => (typeof key === "function" ? key(prev) === key(next) : prev[key] === next[key]);
  const counts = new Map(parts.map(([fn]) => [fn.name, 0]));

  function render(prev, next, { only } = {}) {
    for (const [fn, slices] of parts) {
      if (only && !only.includes(fn)) continue;
      if (!only && prev && slices.every((key) => same(prev, next, key))) continue;
      fn(next);
      counts.set(fn.name, counts.get(fn.name) + 1);
    }
  }
  render.timers = (s) => render(null, s, { only: [header, agenda] });
  render.tick = tickCountdown;
  render.counts = () => Object.fromEntries(counts);
  return render;
}
