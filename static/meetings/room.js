/* eCabinet live room: one socket with `since`, the same reducer rules as the server's test
   reducer (tests/meetings/roomkit.py), reconnect with backoff, resync on a gap. No dependencies. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("room-config").textContent);
  var T = cfg.t;
  var state = null, revision = null, socket = null, retry = 0, stopped = false, clockSkew = 0;
  var pingTimer = null, reconnectTimer = null;
  var $ = function (id) { return document.getElementById(id); };
  // What this person may do: computed by the server (state.permissions), never re-derived here.
  function may(flag) { var p = (state && state.permissions) || cfg.permissions || {}; return !!p[flag]; }

  // --- the reducer ----------------------------------------------------------------------
  function reduce(s, name, data) {
    if (name === "hidden") return;
    if (name === "agenda.reordered") {
      var pos = {};
      data.order.forEach(function (id, i) { pos[id] = i + 1; });
      s.agenda_items.forEach(function (it) { if (pos[it.id]) it.position = pos[it.id]; });
      return;
    }
    var dot = name.lastIndexOf("."), kind = name.slice(0, dot), verb = name.slice(dot + 1);
    if (verb === "updated") { s[kind] = data[kind]; return; }
    var key = kind + "s", rows = s[key] || (s[key] = []);
    if (verb === "upserted") {
      var obj = data[kind], i;
      for (i = 0; i < rows.length; i++) { if (rows[i].id === obj.id) { rows[i] = obj; return; } }
      rows.push(obj);
    } else if (verb === "removed") {
      s[key] = rows.filter(function (r) { return r.id !== data.id; });
    }
  }

  // --- connection -----------------------------------------------------------------------
  function setConn(kind, label) {
    var el = $("conn");
    el.dataset.state = kind;
    $("conn-label").textContent = label;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (stopped) return;
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var url = proto + location.host + cfg.ws + (revision !== null ? "?since=" + revision : "");
    setConn("connecting", T.connecting);
    var ws = new WebSocket(url);
    socket = ws;
    ws.onopen = function () {
      retry = 0;
      setConn("online", T.online);
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 25000);
    };
    ws.onmessage = function (msg) {
      if (ws !== socket) return;
      var f = JSON.parse(msg.data);
      if (f.type === "snapshot") {
        state = f.state; revision = f.revision;
        if (f.server_time) clockSkew = Date.parse(f.server_time) - Date.now();
        render();
      } else if (f.type === "event") {
        if (revision === null || f.revision !== revision + 1) {
          if (revision !== null && f.revision <= revision) return; // already applied
          send({ type: "resync" });   // a gap: never apply out of order
          return;
        }
        reduce(state, f.event, f.data);
        revision = f.revision;
        render();
      } else if (f.type === "error") {
        if (f.code === "forbidden" || f.code === "not_found") { stopped = true; setConn("offline", T.denied); }
        else if (f.code === "revision_ahead") { revision = null; }
      }
    };
    ws.onclose = function () {
      if (ws !== socket) return;
      clearInterval(pingTimer);
      if (stopped) return;
      setConn("offline", T.offline);
      var delay = Math.min(10000, 500 * Math.pow(2, retry++)) * (0.75 + Math.random() * 0.5);
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  function send(obj) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(obj));
  }

  window.addEventListener("offline", function () {
    setConn("offline", T.offline);
    if (socket) socket.close();
  });
  window.addEventListener("online", function () { retry = 0; connect(); });

  // --- HTTP actions (every change goes through the API) ---------------------------------
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function post(path, body) {
    return fetch(cfg.api + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { flash(j.error ? j.error.message : T.error); throw j; }
        return j;
      });
    });
  }

  function flash(text) {
    var el = $("flash");
    if (!el) {
      el = document.createElement("p");
      el.id = "flash"; el.className = "error"; el.setAttribute("role", "alert");
      $("room").prepend(el);
    }
    el.textContent = text;
    setTimeout(function () { if (el.textContent === text) el.remove(); }, 6000);
  }

  // --- rendering ------------------------------------------------------------------------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else if (k === "onclick") el.addEventListener("click", attrs[k]);
      else el.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return el;
  }
  function fill(id, nodes) { var el = $(id); if (!el) return; el.replaceChildren.apply(el, nodes); }
  function now() { return Date.now() + clockSkew; }
  function mins(ms) { return Math.round(ms / 60000); }
  function byId(rows) { var m = {}; rows.forEach(function (r) { m[r.id] = r; }); return m; }
  function people() { return byId(state.participants); }
  function name(pid) { var p = people()[pid]; return p ? (p.full_name || p.username) : "?"; }

  function agenda() {
    return state.agenda_items.slice().sort(function (a, b) { return a.position - b.position || a.id - b.id; });
  }

  function itemTimer(it) {
    if (it.status !== "current" || !it.started_at || !it.duration_minutes) return "";
    var left = Date.parse(it.started_at) + it.duration_minutes * 60000 - now();
    return left >= 0 ? " · " + mins(left) + " " + T.minutes_left : " · " + T.overtime + " " + mins(-left);
  }

  function renderAgenda() {
    var items = agenda(), ids = items.map(function (i) { return i.id; });
    fill("agenda", items.map(function (it, idx) {
      var controls = null;
      if (may("run")) {
        var move = function (d) {
          return function () {
            var o = ids.slice(), j = idx + d;
            if (j < 0 || j >= o.length) return;
            o[idx] = o[j]; o[j] = it.id;
            post("/meetings/" + cfg.meeting + "/live/reorder", { order: o });
          };
        };
        controls = h("span", { "class": "controls" }, [
          h("button", { text: T.set_current, "data-testid": "set-current-" + it.id,
            onclick: function () { post("/meetings/" + cfg.meeting + "/current", { item: it.id }); } }),
          h("button", { text: T.postpone, onclick: function () { post("/live/items/" + it.id + "/postpone"); } }),
          h("button", { text: T.edit, onclick: function () {
            var t = prompt(T.new_title, it.title); if (t) post("/live/items/" + it.id, { title: t }); } }),
          h("button", { text: T.conclusion, onclick: function () {
            var t = prompt(T.new_conclusion, it.conclusion); if (t !== null) post("/live/items/" + it.id + "/conclusion", { text: t }); } }),
          h("button", { text: "↑", title: T.up, onclick: move(-1) }),
          h("button", { text: "↓", title: T.down, onclick: move(1) })
        ]);
      }
      return h("li", { "class": "item " + it.status, "data-status": it.status, "data-testid": "item-" + it.id }, [
        h("strong", { text: it.title }),
        h("span", { "class": "muted", text: " · " + (T[it.status] || it.status) + (it.duration_minutes ? " · " + it.duration_minutes + "′" : "") + itemTimer(it) }),
        it.conclusion ? h("div", { "class": "conclusion", text: T.conclusion + ": " + it.conclusion }) : null,
        controls
      ]);
    }));
  }

  function renderDocs() {
    var cur = state.meeting.current_item;
    fill("documents", state.documents.filter(function (d) { return cur && d.agenda_item === cur; }).map(function (d) {
      return h("li", {}, [h("a", { href: cfg.api + "/documents/" + d.id + "/file", text: d.title })]);
    }));
    fill("attachments", state.conclusion_attachments.map(function (a) {
      return h("li", {}, [h("a", { href: a.url, text: "📎 " + a.title })]);
    }));
    $("room-conclusion").textContent = state.room && state.room.conclusion ? T.conclusion + ": " + state.room.conclusion : "";
    var box = $("conclusion-text");
    if (box && document.activeElement !== box && state.room) box.value = state.room.conclusion || "";
  }

  function renderAttendance() {
    var att = byId(state.attendances), voting = 0, votingHere = 0, m = 0, mHere = 0, g = 0, gHere = 0;
    var seatsHere = {};
    state.participants.forEach(function (p) {
      var here = !!att[p.id];
      if (p.counted_as === "guest") { g++; if (here) gHere++; } else if (p.counted_as === "member") { m++; if (here) mHere++; }
      if (here) seatsHere[p.delegate_for || p.id] = true;
    });
    state.participants.forEach(function (p) {
      if (p.voting_seat) { voting++; if (seatsHere[p.id]) votingHere++; }
    });
    $("counts").textContent = T.members_present + ": " + mHere + "/" + m + " · " + T.guests_present + ": " + gHere + "/" + g;
    var fraction = state.room ? state.room.quorum_fraction : 0.5, ok = votingHere > fraction * voting;
    var q = $("quorum");
    q.textContent = (ok ? T.quorum_ok : T.quorum_missing) + " (" + votingHere + "/" + voting + ")";
    q.className = ok ? "ok" : "muted";
    q.dataset.fraction = fraction;
    var qbox = $("quorum-percent");
    // Not while the secretary is typing: a live update must not overwrite the field.
    if (qbox && document.activeElement !== qbox) qbox.value = Math.round(fraction * 1000) / 10;
    fill("people", state.participants.map(function (p) {
      var a = att[p.id];
      var li = h("li", { "class": a ? "here" : "away" }, [
        h("span", { text: (p.full_name || p.username) + " · " }),
        h("span", { "class": "muted", text: a ? (T.present + (a.remote ? " (" + T.remote + ")" : "")) : T.absent })
      ]);
      if (may("check_in_others") && state.meeting.status === "in_progress") {
        li.appendChild(h("button", { text: a ? T.undo : T.check_in_for, onclick: function () {
          post("/meetings/" + cfg.meeting + "/attendance", { participant: p.id, present: !a });
        } }));
      }
      return li;
    }));
  }

  function grant(id) {
    var box = $("speaker-minutes"), minutes = box && box.value ? parseInt(box.value, 10) : null;
    post("/speakers/" + id + "/grant", minutes ? { time_limit_minutes: minutes } : {});
  }

  // The speaker's countdown ticks every second without re-rendering the room.
  function tickCountdown() {
    var el = $("speaker-countdown");
    if (!el) return;
    var left = Math.round((parseInt(el.dataset.ends, 10) - now()) / 1000), over = left < 0, s = Math.abs(left);
    el.textContent = " · " + (over ? T.overtime + " " : "") + Math.floor(s / 60) + ":" + ("0" + s % 60).slice(-2) +
      (over ? "" : " " + T.minutes_left);
    el.className = over ? "countdown over" : "countdown";
    el.dataset.over = over ? "1" : "0";
  }
  setInterval(tickCountdown, 1000);

  function renderFloor() {
    var speaking = state.speakers.filter(function (s) { return s.status === "speaking"; })[0];
    fill("speaking", [speaking
      ? h("p", { "class": "speaking" }, [h("strong", { text: T.speaking + ": " + name(speaking.participant) }),
          h("span", { text: " · " + T.elapsed + " " + mins(now() - Date.parse(speaking.started_at)) + "′" }),
          speaking.time_limit_minutes ? h("span", { id: "speaker-countdown", "class": "countdown", "data-testid": "speaker-countdown",
            "data-ends": Date.parse(speaking.started_at) + speaking.time_limit_minutes * 60000 }) : null,
          may("give_floor") ? h("button", { text: T.finish, onclick: function () { post("/speakers/" + speaking.id + "/finish"); } }) : null])
      : h("p", { "class": "muted", text: T.nobody_speaking })]);
    tickCountdown();
    ["speak", "question"].forEach(function (kind) {
      fill("queue-" + kind, state.speakers.filter(function (s) { return s.kind === kind && s.status === "waiting"; }).map(function (s) {
        var mine = s.participant === cfg.participant;
        return h("li", { "class": mine ? "mine" : "" }, [
          h("span", { text: name(s.participant) + " " }),
          may("give_floor") ? h("button", { text: T.grant, "data-testid": "grant-" + s.id, onclick: function () { grant(s.id); } }) : null,
          mine || may("give_floor") ? h("button", { text: T.withdraw, onclick: function () { post("/speakers/" + s.id + "/withdraw"); } }) : null
        ]);
      }));
    });
    var items = byId(state.agenda_items);
    fill("history", state.speakers.filter(function (s) { return s.status === "done"; }).map(function (s) {
      var it = items[s.item];
      return h("li", { text: name(s.participant) + " · " + (it ? it.title : "") + " · " +
        mins(Date.parse(s.ended_at) - Date.parse(s.started_at)) + "′ (" + T[s.kind] + ")" });
    }));
  }

  function renderPolls() {
    var voted = byId(state.my_votes || []), att = byId(state.attendances);
    var canVote = may("vote") && !!att[cfg.participant];  // a vote also needs the check-in
    fill("polls", state.polls.slice().reverse().map(function (p) {
      var box = h("div", { "class": "poll " + p.status, "data-testid": "poll-" + p.id }, [
        h("h3", { text: p.question }),
        h("p", { "class": "muted", text: T["vote_" + p.status] + (p.secret ? " · " + T.secret : "") + " · " + p.votes_cast + " " + T.votes_cast })
      ]);
      var list = h("ul", { "class": "options" });
      p.options.forEach(function (o) {
        var li = h("li", {}, [h("span", { text: o.label }), o.count !== null ? h("strong", { "class": "count", text: " " + o.count }) : null]);
        if (p.status === "open" && canVote && !voted[p.id]) {
          li.appendChild(h("button", { text: o.label, "class": "vote", "data-testid": "vote-" + p.id + "-" + o.key,
            onclick: function () { post("/polls/" + p.id + "/ballot", { choice: o.key }); } }));
        }
        list.appendChild(li);
      });
      box.appendChild(list);
      if (voted[p.id]) box.appendChild(h("p", { "class": "ok", text: T.you_voted }));
      if (p.result) {
        box.appendChild(h("p", { "class": p.result.passed ? "ok result" : "error result", "data-testid": "result-" + p.id,
          text: (p.result.passed ? T.passed : T.not_passed) + (p.result.quorum ? "" : " (" + T.no_quorum + ")") }));
      }
      if (may("open_poll")) {
        if (p.status === "draft") box.appendChild(h("button", { text: T.open, "data-testid": "open-" + p.id, onclick: function () { post("/polls/" + p.id + "/open"); } }));
        if (p.status === "open") {
          box.appendChild(h("button", { text: T.close, "data-testid": "close-" + p.id, onclick: function () { post("/polls/" + p.id + "/close"); } }));
          if (!p.secret) {
            var who = (state.poll_voters || []).filter(function (v) { return v.poll === p.id; }).map(function (v) { return name(v.participant); });
            box.appendChild(h("p", { "class": "muted", text: T.voted + ": " + (who.join(", ") || T.none) }));
          }
          box.appendChild(h("p", { "class": "muted", text: T.ready + ": " + state.attendances.length }));
        }
      }
      return box;
    }));
  }

  function render() {
    if (!state) return;
    var m = state.meeting;
    $("meeting-title").textContent = m.title;
    var st = $("meeting-status");
    st.textContent = T[m.status] || m.status; st.className = "status " + m.status;
    st.dataset.status = m.status;
    var clock = "";
    if (m.status === "in_progress" && m.started_at) {
      clock = T.elapsed + " " + mins(now() - Date.parse(m.started_at)) + "′";
      var left = Date.parse(m.ends_at) - now();
      clock += " · " + (left >= 0 ? mins(left) + " " + T.minutes_left : T.overtime);
    }
    $("meeting-clock").textContent = clock;
    renderAgenda(); renderDocs(); renderAttendance(); renderFloor(); renderPolls();
    document.body.dataset.revision = revision;
  }

  // --- buttons and forms ----------------------------------------------------------------
  var base = "/meetings/" + cfg.meeting;
  var acts = {
    start: function () { post(base + "/start"); },
    end: function () { post(base + "/end"); },
    checkin: function () { post(base + "/checkin", { remote: false }); },
    "checkin-remote": function () { post(base + "/checkin", { remote: true }); },
    "ask-speak": function () { post(base + "/speakers", { kind: "speak" }); },
    "ask-question": function () { post(base + "/speakers", { kind: "question" }); }
  };
  document.querySelectorAll("[data-act]").forEach(function (b) {
    b.addEventListener("click", function () { acts[b.dataset.act](); });
  });
  function onSubmit(id, fn) {
    var f = $(id);
    if (f) f.addEventListener("submit", function (e) { e.preventDefault(); fn(f); });
  }
  onSubmit("add-item", function (f) {
    post(base + "/live/items", { title: f.title.value, duration_minutes: f.minutes.value ? parseInt(f.minutes.value, 10) : null })
      .then(function () { f.reset(); });
  });
  onSubmit("new-poll", function (f) {
    var opts = f.options.value.split(";").map(function (s) { return s.trim(); }).filter(Boolean);
    post(base + "/polls", { question: f.question.value, options: opts.length ? opts : null, secret: f.secret.checked,
      show_live: f.show_live.checked, majority: f.majority.value }).then(function () { f.reset(); });
  });
  onSubmit("attach", function (f) {
    if (!f.file.files.length) return;
    var data = new FormData();
    data.append("file", f.file.files[0]);
    data.append("title", f.file.files[0].name);
    if (f.current.checked && state && state.meeting.current_item) data.append("item", state.meeting.current_item);
    fetch(cfg.api + base + "/conclusion/attachments", { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() }, body: data })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) flash(j.error ? j.error.message : T.error); else f.reset(); }); });
  });
  onSubmit("quorum-form", function (f) {
    var percent = parseFloat(f.percent.value);
    if (isNaN(percent) || percent <= 0 || percent >= 100) { flash(T.quorum_invalid); return; }
    post(base + "/quorum", { fraction: Math.round(percent * 10) / 1000 }).then(function () { f.percent.blur(); });
  });
  onSubmit("meeting-conclusion", function (f) { post(base + "/conclusion", { text: f.text.value }); });

  // The check-in QR rotates: reload the image (a new signed token) on a timer.
  var qr = $("qr");
  if (qr && cfg.qr) {
    var reloadQr = function () { qr.src = cfg.qr + "?_=" + Date.now(); };
    reloadQr();
    setInterval(reloadQr, cfg.qrSeconds * 1000);
  }
  setInterval(render, 15000); // timers
  connect();
  window.eRoom = { state: function () { return state; }, revision: function () { return revision; },
    drop: function () { if (socket) socket.close(); } };
})();
