// Batch signing (one PIN entry, one API call per document so progress shows row by row) and
// the request status page's polling. No third-party code.
(function () {
  "use strict";
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); });
  }
  var i18n = document.getElementById("signing-i18n");
  var t = i18n ? i18n.dataset : {};

  var form = document.getElementById("batch-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var boxes = Array.prototype.filter.call(form.querySelectorAll("input[name=documents]"), function (b) { return b.checked; });
      var summary = document.getElementById("batch-summary");
      if (!boxes.length) { summary.textContent = t.choose; return; }
      var pin = document.getElementById("batch-pin").value;
      var reason = document.getElementById("batch-reason").value;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      var ok = 0, index = 0;
      boxes.forEach(function (b) { b.closest("tr").querySelector(".batch-status").innerHTML = '<span class="status">…</span>'; });
      function next() {
        if (index >= boxes.length) {
          summary.textContent = t.done.replace("%(ok)s", ok).replace("%(n)s", boxes.length);
          document.getElementById("batch-pin").value = "";
          pin = "";
          button.disabled = false;
          return;
        }
        var box = boxes[index++];
        var cell = box.closest("tr").querySelector(".batch-status");
        cell.innerHTML = '<span class="status pending">' + t.signing + "</span>";
        post("/api/v1/signing/batch", { documents: [parseInt(box.value, 10)], pin: pin, reason: reason }).then(function (res) {
          if (res.status === 200) {
            var r = res.data.results[0];
            cell.innerHTML = "";
            var span = document.createElement("span");
            span.className = "status " + (r.ok ? "signed" : "declined");
            span.textContent = r.ok ? t.signed : t.failed + ": " + r.message;
            cell.appendChild(span);
            cell.setAttribute("data-result", r.ok ? "signed" : r.code);
            if (r.ok) { ok += 1; box.checked = false; box.disabled = true; }
            next();
          } else {
            // wrong PIN, locked, no certificate: stop here so a wrong PIN is not tried again
            var msg = (res.data.error && res.data.error.message) || "";
            cell.innerHTML = "";
            summary.textContent = t.stopped + " " + msg;
            cell.setAttribute("data-result", (res.data.error && res.data.error.code) || "error");
            button.disabled = false;
          }
        }).catch(function () { summary.textContent = t.stopped; button.disabled = false; });
      }
      next();
    });
  }

  var status = document.getElementById("request-status");
  if (status) {
    var url = status.getAttribute("data-api");
    var seen = status.getAttribute("data-fingerprint");
    setInterval(function () {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
        var fp = d.status + ":" + d.signers.map(function (s) { return s.status; }).join(",");
        if (fp !== seen) { window.location.reload(); }
      }).catch(function () {});
    }, 10000);
  }
})();
