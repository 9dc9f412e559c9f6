/* Uploads with a progress bar: any form[data-upload-form] is sent with XMLHttpRequest so the
   browser reports upload.onprogress; the server answers JSON (X-Requested-With) and the page
   reloads on success or shows the refusal message. Without JS the form posts normally. */
(function () {
  "use strict";
  function setup(form) {
    var bar = form.querySelector("[data-progress]");
    var text = form.querySelector("[data-progress-text]");
    var errorBox = form.querySelector("[data-upload-error]");
    var maxMb = parseFloat(form.getAttribute("data-max-mb") || "0");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (errorBox) { errorBox.hidden = true; errorBox.textContent = ""; }
      var input = form.querySelector("input[type=file]");
      var file = input && input.files && input.files[0];
      if (file && maxMb && file.size > maxMb * 1024 * 1024 && errorBox) {
        errorBox.textContent = (document.documentElement.lang === "en" ? "The file is too large: the limit is " + maxMb + " MB." :
          "Tệp quá lớn: giới hạn là " + maxMb + " MB.");
        errorBox.hidden = false;
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      if (bar) { bar.hidden = false; bar.value = 0; }
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round(e.loaded * 100 / e.total);
        if (bar) { bar.value = pct; }
        if (text) { text.textContent = pct + "%"; }
      };
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (ignored) { data = {}; }
        if (xhr.status >= 200 && xhr.status < 300) {
          if (bar) { bar.value = 100; }
          if (text) { text.textContent = "100% — " + (data.message || "OK"); }
          window.setTimeout(function () { window.location.href = data.url || window.location.href; }, 300);
        } else {
          if (bar) { bar.hidden = true; }
          if (text) { text.textContent = ""; }
          if (errorBox) {
            errorBox.textContent = (data.error && data.error.message) || ("HTTP " + xhr.status);
            errorBox.hidden = false;
          }
        }
      };
      xhr.onerror = function () {
        if (errorBox) { errorBox.textContent = "Network error / Lỗi mạng"; errorBox.hidden = false; }
      };
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload-form]").forEach(setup);
}());
