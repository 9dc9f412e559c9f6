/* Confirmation before a destructive step: a <form data-confirm="question"> asks in the page's
   <dialog id="confirm-dialog"> (base.html) before it is sent. Without JavaScript the form is a
   plain POST, as before. Scripts ask the same dialog through confirmStep(). */

const dialog = () => document.getElementById("confirm-dialog");

/** Resolves true when the person confirms, false when they go back (or press Esc). */
export function confirmStep(question, okLabel) {
  const box = dialog();
  if (!box || typeof box.showModal !== "function") return Promise.resolve(window.confirm(question));
  const ok = box.querySelector("[data-confirm-ok]");
  if (!ok.dataset.defaultLabel) ok.dataset.defaultLabel = ok.textContent;
  ok.textContent = okLabel || ok.dataset.defaultLabel;
  box.querySelector("[data-confirm-message]").textContent = question;
  box.returnValue = "";
  return new Promise((resolve) => {
    box.addEventListener("close", () => resolve(box.returnValue === "ok"), { once: true });
    box.showModal();
    // Going back is the safe default: Enter must not confirm by accident.
    box.querySelector("[data-confirm-cancel]").focus();
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
  event.preventDefault();
  const submitter = event.submitter;
  confirmStep(form.dataset.confirm, form.dataset.confirmOk).then((yes) => {
    if (!yes) return;
    form.dataset.confirmed = "1";
    if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    else form.submit();
  });
});
