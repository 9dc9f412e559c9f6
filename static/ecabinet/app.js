// Behaviour shared by every page, wired here because pages carry no inline script or event
// handler attribute (Content-Security-Policy without 'unsafe-inline').
(function () {
  "use strict";
  // <select data-autosubmit>: choosing submits its form (the language switch).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // <input data-select-on-click>: a click selects the whole value, ready to copy.
  document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
    input.addEventListener("click", function () { input.select(); });
  });
})();
