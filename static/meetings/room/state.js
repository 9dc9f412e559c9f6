/* The room's state: the snapshot as the server sent it, and the reducer that applies one live
   event to it. Pure (no DOM, no socket): the same rules as meetings/event_types.py apply_event,
   tested against the server's own snapshots (tests/meetings/test_room_reducer.py).

   reduce() never mutates: it returns a new state whose untouched slices are the same objects
   as before, so the views re-render a part only when its slice is a new object. */

// name -> [effect, state key]; mirrors meetings/event_types.py EVENTS.
const OBJECTS = {
  agenda_item: "agenda_items", participant: "participants", document: "documents",
  attendance: "attendances", speaker: "speakers", speech_note: "speech_notes", poll: "polls", poll_voter: "poll_voters",
  my_vote: "my_votes", conclusion_attachment: "conclusion_attachments",
  // --- votes prepared and run ---
  poll_ready: "poll_ready",
};
const REMOVABLE = ["agenda_item", "participant", "document", "attendance", "speech_note", "poll", "poll_ready"];

export const EVENTS = (() => {
  const out = {
    "meeting.updated": ["replace", "meeting"],
    "room.updated": ["replace", "room"],
    "seat_map.updated": ["replace", "seat_map"], // the live seat map's grid (fn117)
    "agenda.reordered": ["reorder", "agenda_items"],
    // --- votes prepared and run: pause/resume carry the poll (upserted); a vote list reordered ---
    "poll.paused": ["upsert", "polls"],
    "poll.resumed": ["upsert", "polls"],
    "polls.reordered": ["reorder", "polls"],
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

/** Whether a request for the floor is this viewer's own (state.viewer.participant: the server's). */
export function isMine(state, request) {
  const me = state.viewer ? state.viewer.participant : null;
  return me !== null && me !== undefined && request.participant === me;
}

/** The server's rule (meetings/access.py may_withdraw_floor) as its data: those running the
    meeting withdraw any request (permissions.withdraw_any_floor), others their own. */
export function mayWithdraw(state, request) {
  return may(state, "withdraw_any_floor") || isMine(state, request);
}

/**
 * Whether this viewer's ballot buttons show: the server says they may vote and for which seat
 * (permissions.vote, viewer.vote_seat: meetings/access.py vote_seat); the server also refuses a
 * ballot until the voter's own row is checked in, which the attendance events keep current.
 */
export function mayVoteNow(state) {
  const viewer = state.viewer || {};
  if (!may(state, "vote") || viewer.vote_seat === null || viewer.vote_seat === undefined) return false;
  return state.attendances.some((a) => a.participant === viewer.participant);
}

/** What the meeting's moment allows (state.meeting.allows: meetings/access.py meeting_allows,
    the same for every viewer); a button shows when this and the viewer's flag both say yes. */
export function allows(state, moment) {
  return !!(state && state.meeting && state.meeting.allows && state.meeting.allows[moment]);
}

/** This viewer's own check-in (state.viewer.participant), or null. */
export function myAttendance(state) {
  const me = state.viewer ? state.viewer.participant : null;
  if (me === null || me === undefined) return null;
  return state.attendances.find((a) => a.participant === me) || null;
}

/** Whether this viewer holds a vote (permissions.vote and a seat: meetings/access.py vote_seat). */
export function holdsVote(state) {
  const viewer = state.viewer || {};
  return may(state, "vote") && viewer.vote_seat !== null && viewer.vote_seat !== undefined;
}

/** The open poll this viewer is asked to vote on first (the oldest open one not in `skip`). */
export function pollToAnswer(state, skip) {
  if (!holdsVote(state)) return null;
  return state.polls.find((p) => p.status === "open" && !(skip && skip.has(p.id))) || null;
}

/** The viewer's own speech while they have the floor, or null. */
export function myTurn(state) {
  return state.speakers.find((r) => r.status === "speaking" && isMine(state, r)) || null;
}

/** The meeting's online link is for those who checked in remotely and those running it; the
    embedded conference only for those who checked in remotely (in the room, they are there). */
export function seesOnlineLink(state) {
  const mine = myAttendance(state);
  return may(state, "run") || !!(mine && mine.remote);
}

export function joinsRemotely(state) {
  const mine = myAttendance(state);
  return !!(mine && mine.remote);
}

// --- votes prepared and run (fn19, fn41-fn43) ----------------------------------------------

/** The polls in the order the chair goes through them: by agenda item (agenda order; polls on
    no item last), then by their place in the item's list (meetings/selectors_votes.py vote_list). */
export function pollsInOrder(state) {
  const items = byId(state.agenda_items);
  const rank = (p) => (p.item !== null && items.has(p.item) ? items.get(p.item).position : Infinity);
  return [...state.polls].sort((a, b) => rank(a) - rank(b) || (a.item || 0) - (b.item || 0)
    || (a.position || 0) - (b.position || 0) || a.id - b.id);
}

/** The poll readiness is about: the open one, else the next draft on the list, else none. */
export function focusPoll(state) {
  const ordered = pollsInOrder(state);
  return ordered.find((p) => p.status === "open") || ordered.find((p) => p.status === "draft") || null;
}

/** Seats ready for `poll` (participant ids), from the poll_ready marks this viewer may see. */
export function readySeats(state, poll) {
  return new Set((state.poll_ready || []).filter((r) => r.poll === poll.id).map((r) => r.participant));
}

/** Whether this viewer's own seat is marked ready for `poll`. */
export function iAmReady(state, poll) {
  const seat = state.viewer ? state.viewer.vote_seat : null;
  return seat !== null && seat !== undefined && readySeats(state, poll).has(seat);
}

/** The voting seats (participants holding a vote in their own right: server's voting_seat). */
export function votingSeats(state) {
  return state.participants.filter((p) => p.voting_seat);
}
