/* Absence requests in the room (fn113): the pending requests, from the participants in the room's
   state (state.js), for those running the meeting; the chair (permissions.decide_absence)
   approves or refuses each with an optional note. A decision comes back as a
   participant.upserted event like anybody else's change. */

import { may } from "./state.js";

/**
 * createAbsenceRequests({ decide(participantId, decision, note) -> Promise }): returns
 * draw(state), a no-op on a page without the card (#absence-list).
 */
export function createAbsenceRequests({ decide }) {
  const list = document.getElementById("absence-list");
  const textNode = document.getElementById("absence-text");
  if (!list || !textNode) return () => {};
  const T = JSON.parse(textNode.textContent);
  let shown = null, shownFlag = null;

  function row(p, decides) {
    const li = document.createElement("li");
    li.dataset.participantId = p.id;
    li.setAttribute("data-testid", "absence-row-" + p.id);
    const head = document.createElement("strong");
    head.textContent = p.full_name || p.username;
    li.appendChild(head);
    const lines = [];
    if (p.response_reason) lines.push(T.reason + ": " + p.response_reason);
    if (p.absence_delegate_name) lines.push(T.in_place + ": " + p.absence_delegate_name);
    for (const text of lines) {
      const line = document.createElement("div");
      line.className = "muted";
      line.textContent = text;
      li.appendChild(line);
    }
    if (!decides) {
      const wait = document.createElement("div");
      wait.className = "muted";
      wait.textContent = T.waiting_chair;
      li.appendChild(wait);
      return li;
    }
    const form = document.createElement("form");
    form.className = "row absence-decide";
    const note = document.createElement("input");
    note.type = "text";
    note.name = "note";
    note.maxLength = 2000;
    note.placeholder = T.note;
    note.setAttribute("aria-label", T.note);
    note.setAttribute("data-testid", "absence-note-" + p.id);
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    const button = (decision, label, cls) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = cls;
      b.textContent = label;
      b.setAttribute("data-testid", "absence-" + decision + "-" + p.id);
      b.addEventListener("click", () => {
        form.querySelectorAll("button").forEach((x) => { x.disabled = true; });
        decide(p.id, decision, note.value).catch((err) => {
          error.textContent = err.message || T.error;
          error.hidden = false;
          form.querySelectorAll("button").forEach((x) => { x.disabled = false; });
        });
      });
      return b;
    };
    form.append(note, button("approve", T.approve, "primary"), button("refuse", T.refuse, "danger"));
    form.addEventListener("submit", (e) => e.preventDefault());
    li.append(form, error);
    return li;
  }

  return function draw(state) {
    const decides = may(state, "decide_absence");
    if (state.participants === shown && decides === shownFlag) return;
    shown = state.participants;
    shownFlag = decides;
    const pending = state.participants.filter((p) => p.absence_status === "pending");
    // Rows keyed by participant: a note being typed survives other people's updates.
    const existing = new Map([...list.children].map((li) => [li.dataset.participantId, li]));
    const rows = pending.map((p) => {
      const key = JSON.stringify([p.response_reason, p.absence_delegate_name, decides]);
      const old = existing.get(String(p.id));
      if (old && old.dataset.key === key) return old;
      const li = row(p, decides);
      li.dataset.key = key;
      return li;
    });
    if (!rows.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = T.none;
      none.dataset.participantId = "";
      rows.push(none);
    }
    rows.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
    while (list.children.length > rows.length) list.lastElementChild.remove();
  };
}
