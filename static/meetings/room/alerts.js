/* What must reach a member wherever they are on the page: a vote that opens (a sheet over the
   content, with its question and choices) and the floor given to them (a banner). Both come
   with a short beep and a vibration where the device allows; neither is needed to work.

   The sheet shows only to those who hold a vote (permissions.vote and a seat, from the server);
   after the ballot it says so and can be closed; it goes when the poll closes. */

import { allows, byId, holdsVote, mayVoteNow, myTurn, pollToAnswer } from "./state.js";

const $ = (id) => document.getElementById(id);

// --- sound and vibration: harmless where unsupported or not yet allowed --------------------
let audio = null;

function unlockAudio() {
  // Browsers start sound only after a tap: make (or resume) the context on the first ones.
  try {
    if (!audio) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context) audio = new Context();
    }
    if (audio && audio.state === "suspended") audio.resume().catch(() => {});
  } catch (_) { audio = null; }
}

function beep() {
  try {
    if (!audio || audio.state !== "running") return;
    const t = audio.currentTime, osc = audio.createOscillator(), gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.4);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.45);
  } catch (_) { /* no sound: the sheet is there */ }
}

function vibrate() {
  try {
    // Without a tap first the browser refuses (and says so in the console): ask only after one.
    const active = !navigator.userActivation || navigator.userActivation.hasBeenActive;
    if (active && typeof navigator.vibrate === "function") navigator.vibrate([200, 100, 200]);
  } catch (_) { /* no vibration */ }
}

/**
 * createAlerts({ T, act }) where act.castBallot(poll, choice) and act.checkIn(remote) return
 * promises that reject with an ApiError. Returns update(prev, next), called on every new state.
 */
export function createAlerts({ T, act }) {
  const sheet = $("vote-sheet"), turnBanner = $("your-turn");
  const closedPolls = new Set(), closedTurns = new Set();
  let sheetKey = null, alerted = 0;
  if (!sheet || !turnBanner) return () => {};

  document.addEventListener("pointerdown", unlockAudio, { passive: true });
  document.addEventListener("keydown", unlockAudio, { passive: true });

  function notify() {
    alerted += 1;
    document.body.dataset.alerts = String(alerted);
    vibrate();
    beep();
  }

  function showError(err) {
    const box = $("vote-sheet-error");
    box.textContent = err.message;
    box.hidden = false;
  }

  function button(text, attrs, onclick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
    b.addEventListener("click", onclick);
    return b;
  }

  /** Run one call from the sheet: its buttons wait, a refusal is shown in the sheet. */
  function fromSheet(promise) {
    const buttons = sheet.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    $("vote-sheet-error").hidden = true;
    return promise.catch(showError).finally(() => buttons.forEach((b) => { b.disabled = false; }));
  }

  function drawSheet(s, poll, voted) {
    $("vote-sheet-question").textContent = poll.question;
    const body = $("vote-sheet-body");
    const nodes = [];
    if (voted) {
      const p = document.createElement("p");
      p.className = "ok";
      p.dataset.testid = "vote-sheet-voted";
      p.textContent = T.you_voted;
      nodes.push(p, button(T.close_sheet, { "data-testid": "vote-sheet-close", class: "primary" }, () => {
        closedPolls.add(poll.id);
        sheetKey = null;
        sheet.hidden = true;
      }));
    } else if (poll.paused) {
      // The chair paused the vote: ballots are refused until it resumes (fn41).
      const p = document.createElement("p");
      p.dataset.testid = "vote-sheet-paused";
      p.textContent = T.vote_paused_note;
      nodes.push(p);
    } else if (mayVoteNow(s)) {
      let pin = null;
      if (poll.signed) {
        // A signed ballot (fn108): the voter's own key, unlocked with their signing PIN.
        const note = document.createElement("p");
        note.textContent = T.signed_ballot_note;
        pin = document.createElement("input");
        pin.type = "password";
        pin.autocomplete = "off";
        pin.placeholder = T.signing_pin;
        pin.setAttribute("aria-label", T.signing_pin);
        pin.dataset.testid = "sheet-pin";
        nodes.push(note, pin);
      }
      const list = document.createElement("div");
      list.className = "sheet-choices";
      for (const o of poll.options) {
        list.appendChild(button(o.label, { "data-testid": "sheet-vote-" + poll.id + "-" + o.key, class: "vote" },
          () => fromSheet(poll.signed ? act.castSigned(poll.id, o.key, pin.value) : act.castBallot(poll.id, o.key))));
      }
      nodes.push(list);
    } else {
      // A vote needs a check-in first: offer it here, while the meeting allows it.
      const p = document.createElement("p");
      p.textContent = T.sheet_check_in;
      nodes.push(p);
      if (allows(s, "check_in")) {
        const row = document.createElement("div");
        row.className = "row";
        row.append(
          button(T.check_in_for, { "data-testid": "sheet-checkin" }, () => fromSheet(act.checkIn(false))),
          button(T.check_in_remote, { "data-testid": "sheet-checkin-remote" }, () => fromSheet(act.checkIn(true))));
        nodes.push(row);
      }
    }
    body.replaceChildren(...nodes);
  }

  function updateSheet(prev, s) {
    const poll = pollToAnswer(s, closedPolls);
    if (!poll) {
      sheetKey = null;
      sheet.hidden = true;
      return;
    }
    const voted = byId(s.my_votes).has(poll.id);
    const key = [poll.id, voted, mayVoteNow(s), allows(s, "check_in"), !!poll.paused, !!poll.signed].join("|");
    if (key !== sheetKey) {
      sheetKey = key;
      drawSheet(s, poll, voted);
    }
    sheet.dataset.poll = poll.id;
    sheet.hidden = false;
    // It just opened (not a page loaded while it was open): say so.
    const before = prev && prev.polls.find((p) => p.id === poll.id);
    if (prev && holdsVote(prev) && (!before || before.status !== "open")) notify();
  }

  function updateTurn(prev, s) {
    const turn = myTurn(s);
    if (!turn || closedTurns.has(turn.id)) {
      turnBanner.hidden = true;
      return;
    }
    turnBanner.dataset.speaker = turn.id;
    turnBanner.hidden = false;
    const before = prev && myTurn(prev);
    if (prev && (!before || before.id !== turn.id)) notify();
  }

  $("your-turn-close").addEventListener("click", () => {
    closedTurns.add(Number(turnBanner.dataset.speaker));
    turnBanner.hidden = true;
  });

  return function update(prev, next) {
    updateSheet(prev, next);
    updateTurn(prev, next);
  };
}
