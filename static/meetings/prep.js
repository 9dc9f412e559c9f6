/* eCabinet meeting preparation: the editor's tools in each agenda item and participant row,
   drag-and-drop agenda order and live invitation answers. Our own code, no third-party JS.
   An ES module: the live answers come from the meeting's socket (./room/socket.js). */

import { api } from "../ecabinet/net.js";
import { createSeatMap } from "./room/seatmap.js";
import { connectLive } from "./room/socket.js";

  function showMessage(text, isError) {
    var box = document.getElementById("prep-message");
    if (!box) {
      box = document.createElement("p");
      box.id = "prep-message";
      box.setAttribute("role", "status");
      box.setAttribute("data-testid", "prep-message");
      var main = document.querySelector("main.content");
      main.insertBefore(box, main.firstChild);
    }
    box.className = isError ? "error" : "messages-ok";
    box.textContent = text;
  }

  // --- the editor's tools: the page sends one copy (a <template>) and each row its values, and
  // the tools are put in here. Fifty items' and eighty people's forms, each with its own token,
  // were nearly half of the secretary's page (issue 13).
  function fillTools(templateId, rowKind) {
    var template = document.getElementById(templateId);
    if (!template) return;
    document.querySelectorAll("[data-tools='" + rowKind + "']").forEach(function (slot) {
      var row = slot.closest("[data-id], [data-participant-id]");
      var id = row.dataset.id || row.dataset.participantId;
      var tools = template.content.cloneNode(true);
      tools.querySelectorAll("form[data-action]").forEach(function (form) {
        form.action = template.dataset.base + id + "/" + form.dataset.action;
        if (form.dataset.confirm) {
          // as functions: a "$&" in a title is text, not a replacement pattern
          form.dataset.confirm = form.dataset.confirm.replace("{title}", function () { return slot.dataset.title || ""; })
            .replace("{name}", function () { return slot.dataset.name || ""; });
        }
      });
      tools.querySelectorAll("[data-from]").forEach(function (field) {
        field.value = slot.dataset[field.dataset.from] || "";
      });
      slot.appendChild(tools);
    });
  }
  fillTools("agenda-item-tools", "agenda-item");
  fillTools("participant-tools", "participant");

  // --- agenda: HTML5 drag and drop, then one POST with the whole order and the version seen.
  var list = document.querySelector("ol.agenda.sortable");
  if (list) {
    var dragged = null;
    list.addEventListener("dragstart", function (e) {
      var li = e.target.closest("li[data-id]");
      if (!li) return;
      dragged = li;
      li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", li.dataset.id);
    });
    list.addEventListener("dragover", function (e) {
      if (!dragged) return;
      e.preventDefault();
      var over = e.target.closest("li[data-id]");
      if (!over || over === dragged) return;
      var rect = over.getBoundingClientRect();
      var after = e.clientY > rect.top + rect.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (e) { e.preventDefault(); });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      saveOrder();
    });

    var saveOrder = function () {
      var order = Array.prototype.map.call(list.querySelectorAll("li[data-id]"), function (li) {
        return parseInt(li.dataset.id, 10);
      });
      var version = parseInt(list.dataset.agendaVersion, 10);
      // Through the one API client: a refusal is an ApiError with the message in the user's
      // language, shown here; nothing is left uncaught.
      api("POST", list.dataset.reorderUrl, {order: order, agenda_version: version}).then(function (body) {
        list.dataset.agendaVersion = body.agenda_version;
        // Hidden version fields of the other agenda forms follow, so they are not refused.
        document.querySelectorAll("input[name=agenda_version]").forEach(function (input) {
          input.value = body.agenda_version;
        });
        list.setAttribute("data-saved", "1");
        showMessage(list.dataset.savedText || "✓", false);
      }).catch(function (error) {
        showMessage(error.message, true);
        // 409: someone else changed the agenda; show their version rather than ours.
        if (error.status === 409) setTimeout(function () { window.location.reload(); }, 1500);
      });
    };
  }

// --- live answers: the meeting's socket (the room's), no polling. Each participant's answer
// is updated in place; a person added or removed, or the meeting's status changing, asks for a
// reload (those rows and tools carry forms the page renders).
const head = document.getElementById("meeting");
const table = document.querySelector("table.participants");
const labelsNode = document.getElementById("answer-labels");
if (head && table && labelsNode && head.dataset.ws) {
  const labels = JSON.parse(labelsNode.textContent);
  let shown = null;
  const showAnswers = (participants) => {
    if (shown === participants) return; // the reducer keeps an untouched slice: nothing to do
    shown = participants;
    const ids = new Set();
    let listChanged = false;
    for (const p of participants) {
      ids.add(String(p.id));
      const row = table.querySelector('tr[data-participant-id="' + p.id + '"]');
      if (!row) { listChanged = true; continue; }
      const answer = row.querySelector("[data-field=response]");
      // The participant's state (fn113: not confirmed, confirmed, absence requested, absent, delegated).
      answer.textContent = labels[p.state] || p.state;
      answer.className = "status " + p.response + " state-" + p.state;
      answer.dataset.response = p.response;
      answer.dataset.state = p.state;
      row.querySelector("[data-field=reason]").textContent = p.response_reason || "";
      showAbsence(row.querySelector("[data-field=absence]"), p);
    }
    table.querySelectorAll("tr[data-participant-id]").forEach((row) => {
      if (!ids.has(row.dataset.participantId)) listChanged = true;
    });
    if (listChanged) showMessage(head.dataset.reloadText || "↻", false);
  };
  // --- absence requests (fn113): a request's status in the participant's row; a new request or a
  // decision changes the requests section, which the page renders: ask for a reload.
  const absenceNode = document.getElementById("absence-labels");
  const absenceLabels = absenceNode ? JSON.parse(absenceNode.textContent) : {};
  const requests = document.getElementById("absence-requests");
  const showAbsence = (cell, p) => {
    if (!cell) return;
    let text = p.absence_status ? absenceLabels[p.absence_status] || "" : "";
    if (text && p.absence_delegate_name) text += " " + absenceLabels.proposed + ": " + p.absence_delegate_name + ".";
    if (text && p.absence_note) text += " " + absenceLabels.note + ": " + p.absence_note;
    cell.textContent = text;
    cell.dataset.absence = p.absence_status || "";
  };
  const pendingShown = requests ? requests.dataset.pending.trim().split(/\s+/).filter(Boolean).sort().join(" ") : null;
  const seatMap = createSeatMap(document.getElementById("live-seat-map"));
  connectLive({
    path: head.dataset.ws,
    onStatus: (kind) => { head.dataset.live = kind; },
    onState: (state, revision) => {
      head.dataset.revision = revision;
      showAnswers(state.participants);
      seatMap(state);
      if (requests) {
        const pending = state.participants.filter((p) => p.absence_status === "pending").map((p) => String(p.id)).sort().join(" ");
        if (pending !== pendingShown) showMessage(head.dataset.reloadText || "↻", false);
      }
      if (state.meeting.status !== head.dataset.status) showMessage(head.dataset.statusText || "↻", false);
    },
  });
}
