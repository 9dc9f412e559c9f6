/* The room's state: the snapshot as the server sent it, and the reducer that applies one live
   event to it. Pure (no DOM, no socket): the same rules as meetings/event_types.py apply_event,
   tested against the server's own snapshots (tests/meetings/test_room_reducer.py).

   reduce() never mutates: it returns a new state whose untouched slices are the same objects
   as before, so the views re-render a part only when its slice is a new object. */

// name -> [effect, state key]; mirrors meetings/event_types.py EVENTS.
const OBJECTS = {
  agenda_item: "agenda_items", participant: "participants", document: "documents",
  attendance: "attendances", speaker: "speakers", poll: "polls", poll_voter: "poll_voters",
  my_vote: "my_votes", conclusion_attachment: "conclusion_attachments",
};
const REMOVABLE = ["agenda_item", "participant", "document", "attendance"];

export const EVENTS = (() => {
  const out = {
    "meeting.updated": ["replace", "meeting"],
    "room.updated": ["replace", "room"],
    "agenda.reordered": ["reorder", "agenda_items"],
  };
  for (const [kind, key] of Object.entries(OBJECTS)) out[kind + ".upserted"] = ["upsert", key];
  for (const kind of REMOVABLE) out[kind + ".removed"] = ["remove", OBJECTS[kind]];
  return out;
})();

/** The state a snapshot frame describes (a private copy: the frame may be kept elsewhere). */
export function applySnapshot(snapshot) {
  return structuredClone(snapshot.state);
}

/** The state after one event; `hidden` (an event this viewer may not see) changes nothing. */
export function reduce(state, name, data) {
  if (name === "hidden") return state;
  const declared = EVENTS[name];
  if (!declared) throw new Error("undeclared event " + name);
  const [effect, key] = declared;
  const kind = name.slice(0, name.lastIndexOf("."));
  const rows = state[key] || [];
  let next;
  if (effect === "replace") {
    next = data[kind];
  } else if (effect === "upsert") {
    const obj = data[kind];
    const at = rows.findIndex((row) => row.id === obj.id);
    next = at < 0 ? [...rows, obj] : rows.map((row, i) => (i === at ? obj : row));
  } else if (effect === "remove") {
    next = rows.filter((row) => row.id !== data.id);
  } else {
    const position = new Map(data.order.map((id, i) => [id, i + 1]));
    next = rows.map((row) => (position.has(row.id) && position.get(row.id) !== row.position
      ? { ...row, position: position.get(row.id) } : row));
  }
  return { ...state, [key]: next };
}

/** Apply a list of [name, data] events in order. */
export function reduceAll(state, events) {
  return events.reduce((s, [name, data]) => reduce(s, name, data), state);
}

// --- selectors: read the state, decide nothing the server has not decided ------------------

export function agendaInOrder(state) {
  return [...state.agenda_items].sort((a, b) => a.position - b.position || a.id - b.id);
}

export function byId(rows) {
  return new Map((rows || []).map((row) => [row.id, row]));
}

/** What the server says this viewer may do (state.permissions), never re-derived here. */
export function may(state, flag) {
  return !!(state && state.permissions && state.permissions[flag]);
}

/**
 * The room's attendance figures from the server's own fields: `voting_seat`, `counted_as` and
 * `delegate_for` of each participant (meetings/serializers.py), the quorum fraction of the room.
 * Counting only; the same figures the server stores with a closed poll's result
 * (tests/meetings/test_room_reducer.py compares them).
 */
export function attendanceFigures(state) {
  const here = new Set(state.attendances.map((a) => a.participant));
  const figures = { members: 0, membersHere: 0, guests: 0, guestsHere: 0, eligible: 0, present: 0 };
  const filled = new Set();
  for (const p of state.participants) {
    const present = here.has(p.id);
    if (p.counted_as === "guest") { figures.guests++; if (present) figures.guestsHere++; }
    else if (p.counted_as === "member") { figures.members++; if (present) figures.membersHere++; }
    if (present) filled.add(p.delegate_for || p.id); // a delegate holds the seat of who they stand in for
  }
  for (const p of state.participants) {
    if (p.voting_seat) { figures.eligible++; if (filled.has(p.id)) figures.present++; }
  }
  figures.fraction = state.room ? state.room.quorum_fraction : 0.5;
  figures.quorum = figures.present > figures.fraction * figures.eligible;
  return figures;
}
