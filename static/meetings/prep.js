/* eCabinet meeting preparation: drag-and-drop agenda order and live invitation answers.
   Our own code, no third-party JS. Works without JS too (the ↑/↓ buttons and a reload).
   An ES module: the live answers come from the meeting's socket (./room/socket.js). */

import { connectLive } from "./room/socket.js";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

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
      fetch(list.dataset.reorderUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({order: order, agenda_version: version})
      }).then(function (response) {
        return response.json().then(function (body) { return {status: response.status, body: body}; });
      }).then(function (result) {
        if (result.status === 200) {
          list.dataset.agendaVersion = result.body.agenda_version;
          // Hidden version fields of the other agenda forms follow, so they are not refused.
          document.querySelectorAll("input[name=agenda_version]").forEach(function (input) {
            input.value = result.body.agenda_version;
          });
          list.setAttribute("data-saved", "1");
          showMessage(list.dataset.savedText || "✓", false);
        } else {
          showMessage((result.body.error && result.body.error.message) || "Error", true);
          // 409: someone else changed the agenda; show their version rather than ours.
          if (result.status === 409) setTimeout(function () { window.location.reload(); }, 1500);
        }
      }).catch(function () { showMessage("Network error", true); });
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
      answer.textContent = labels[p.response] || p.response;
      answer.className = "status " + p.response;
      answer.dataset.response = p.response;
      row.querySelector("[data-field=reason]").textContent = p.response_reason || "";
    }
    table.querySelectorAll("tr[data-participant-id]").forEach((row) => {
      if (!ids.has(row.dataset.participantId)) listChanged = true;
    });
    if (listChanged) showMessage(head.dataset.reloadText || "↻", false);
  };
  connectLive({
    path: head.dataset.ws,
    onStatus: (kind) => { head.dataset.live = kind; },
    onState: (state, revision) => {
      head.dataset.revision = revision;
      showAnswers(state.participants);
      if (state.meeting.status !== head.dataset.status) showMessage(head.dataset.statusText || "↻", false);
    },
  });
}
