/* The live seat map (fn117): each seat of the meeting room with its live state, drawn from the
   room's reducer state (state.js) — the seat grid (state.seat_map), who holds each seat
   (participants), attendances and the floor (speakers). Used by the room (main.js) and the
   meeting page (prep.js), both following the meeting's socket.

   The page draws the grid first (templates/meetings/_seat_map.html, with the labels and icons
   in #seat-map-text); this module updates the cells in place: a colour class, an icon and a
   text for each state (never colour alone), and the cell's accessible name. */

import { byId } from "./state.js";

/** The states, in precedence order for one person (the first that applies wins). */
export const STATES = ["empty", "invited", "present", "remote", "absent", "waiting", "speaking", "spoken", "delegated"];

/**
 * seat -> {state, holder, occupant, remote} for every seat of the grid.
 * holder: the participant the seat is assigned to; occupant: who sits there (the holder, or the
 * delegate standing in for them). Pure: the same state gives the same map.
 */
export function seatStates(state) {
  const rows = (state.seat_map && state.seat_map.rows) || [];
  const people = state.participants || [];
  const holders = new Map(), delegates = new Map();
  for (const p of people) {
    if (p.seat) holders.set(p.seat, p);
    if (p.delegate_for !== null && p.delegate_for !== undefined) delegates.set(p.delegate_for, p);
  }
  const attendance = byId(state.attendances);
  const floor = new Map(), spoke = new Set();
  for (const r of state.speakers || []) {
    if (r.status === "speaking") floor.set(r.participant, "speaking");
    else if (r.status === "waiting" && floor.get(r.participant) !== "speaking") floor.set(r.participant, "waiting");
    if (r.status === "done") spoke.add(r.participant);
  }
  const ended = state.meeting && state.meeting.status === "ended";
  const out = new Map();
  for (const row of rows) {
    for (const seat of row) {
      const holder = holders.get(seat);
      if (!holder) { out.set(seat, { state: "empty", holder: null, occupant: null, remote: false }); continue; }
      const delegate = holder.state === "delegated" ? delegates.get(holder.id) : undefined;
      const occupant = delegate || holder;
      const here = attendance.get(occupant.id);
      const remote = !!(here && here.remote);
      let code;
      if (floor.has(occupant.id)) code = floor.get(occupant.id);
      else if (spoke.has(occupant.id)) code = "spoken";
      else if (here) code = remote ? "remote" : "present";
      else if (holder.state === "absent") code = "absent";
      else if (holder.state === "delegated") code = "delegated";
      else code = ended ? "absent" : "invited";
      out.set(seat, { state: code, holder, occupant, remote });
    }
  }
  return out;
}

const personName = (p) => (p ? p.full_name || p.username : "");
const shortName = (p) => {
  const full = personName(p).trim().split(/\s+/);
  return full[full.length - 1] || "";
};

/**
 * createSeatMap(root): root is the page's #live-seat-map (null: no seat map, a no-op).
 * Returns draw(state) that redraws only when one of its slices changed.
 */
export function createSeatMap(root) {
  const textNode = document.getElementById("seat-map-text");
  if (!root || !textNode) return () => {};
  const T = JSON.parse(textNode.textContent);
  let last = null;
  const slices = ["seat_map", "participants", "attendances", "speakers"];

  function cell(seat) {
    const li = document.createElement("li");
    li.dataset.seat = seat;
    li.setAttribute("data-testid", "seat-" + seat);
    return li;
  }

  function fillCell(li, seat, info) {
    const st = T.states[info.state] || { label: info.state, icon: "" };
    const who = info.occupant ? personName(info.occupant) : "";
    let label = seat + (who ? ": " + who : "") + " — " + st.label;
    if (info.occupant && info.holder && info.occupant !== info.holder) {
      label += " (" + T.in_place_of.replace("%(name)s", personName(info.holder)) + ")";
    }
    if (info.remote && info.state !== "remote") label += " (" + T.remote + ")";
    const key = info.state + "|" + label;
    if (li.dataset.key === key) return;
    li.dataset.key = key;
    li.className = "seat seat--" + info.state + (info.holder ? " taken" : "");
    li.dataset.state = info.state;
    li.title = label;
    li.setAttribute("aria-label", label);
    const b = document.createElement("b");
    b.textContent = seat;
    const icon = document.createElement("span");
    icon.className = "seat-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = st.icon;
    const parts = [b, icon];
    if (info.occupant) {
      const small = document.createElement("small");
      small.textContent = shortName(info.occupant);
      parts.push(small);
    }
    li.replaceChildren(...parts);
  }

  function draw(state) {
    if (!state || !state.seat_map) return;
    if (last && slices.every((k) => last[k] === state[k]) &&
        (last.meeting && last.meeting.status) === (state.meeting && state.meeting.status)) return;
    last = state;
    const seats = seatStates(state);
    const rows = state.seat_map.rows || [];
    // Rows and cells keyed by seat: an unchanged cell keeps its node (and any focus).
    const existing = new Map([...root.querySelectorAll("li[data-seat]")].map((li) => [li.dataset.seat, li]));
    const lists = rows.map((row, i) => {
      let ul = root.children[i];
      if (!ul || ul.tagName !== "UL") {
        ul = document.createElement("ul");
        ul.className = "seatrow";
      }
      const cells = row.map((seat) => {
        const li = existing.get(seat) || cell(seat);
        fillCell(li, seat, seats.get(seat));
        return li;
      });
      cells.forEach((li, j) => { if (ul.children[j] !== li) ul.insertBefore(li, ul.children[j] || null); });
      while (ul.children.length > cells.length) ul.lastElementChild.remove();
      return ul;
    });
    lists.forEach((ul, i) => { if (root.children[i] !== ul) root.insertBefore(ul, root.children[i] || null); });
    while (root.children.length > lists.length) root.lastElementChild.remove();
    root.closest("[data-seat-map-section]")?.toggleAttribute("hidden", rows.length === 0);
  }
  return draw;
}
