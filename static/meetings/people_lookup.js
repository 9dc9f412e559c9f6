/* eCabinet people lookup: search-as-you-type for the fields naming a person.

   A text field <input list="X"> whose <datalist id="X"> carries data-url (a people lookup: the
   directory's, /api/v1/people, or a meeting's, /api/v1/meetings/{id}/people) offers the names
   matching what is typed, a few at a time, instead of the page listing everyone. The field takes
   a username: without this script it is typed in full and the server checks it.

   The suggestions are our own list under the field (not the browser's datalist popup, which
   phones draw inconsistently): tap a name, or ArrowDown/ArrowUp then Enter; Escape closes it.

   A field with data-append-to="<id of a textarea>" adds people to a list of usernames, one per
   line (the signers of a document): the person picked is appended as a new line of that textarea
   (once) and the field is emptied for the next; Enter in the field picks the first suggestion
   instead of sending the form.
   An ES module that attaches itself once, however many of a page's scripts load it. */

import { api } from "../ecabinet/net.js";

const DELAY_MS = 200;
const MIN_CHARS = 2;
let boxes = 0;

function attach(field) {
  const list = field.list;
  if (!list || !list.dataset.url || field.dataset.lookupUrl) return;
  field.dataset.lookupUrl = list.dataset.url;
  field.removeAttribute("list"); // our list, not the browser's popup
  const box = document.createElement("ul");
  box.id = "people-suggestions-" + ++boxes;
  box.className = "people-suggestions";
  box.setAttribute("role", "listbox");
  box.setAttribute("data-testid", "people-suggestions");
  box.hidden = true;
  field.after(box);
  field.setAttribute("autocomplete", "off");
  field.setAttribute("aria-autocomplete", "list");
  field.setAttribute("aria-controls", box.id);
  field.setAttribute("aria-expanded", "false");

  let timer = null;
  let asked = "";
  const close = () => {
    box.hidden = true;
    field.setAttribute("aria-expanded", "false");
  };
  const target = field.dataset.appendTo ? document.getElementById(field.dataset.appendTo) : null;
  const append = (username) => {
    const lines = target.value.split(/[\n,]/).map((line) => line.trim());
    if (!lines.includes(username)) {
      const text = target.value.replace(/\s+$/, "");
      target.value = text ? text + "\n" + username : username;
      target.dispatchEvent(new Event("input", { bubbles: true }));
    }
    clearTimeout(timer); // a question still on its way is for the text just taken
    field.value = "";
    asked = "";
  };
  const choose = (username) => {
    if (target) append(username);
    else field.value = username;
    close();
    field.focus();
    field.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const show = (found) => {
    box.replaceChildren(...found.map((p) => {
      const item = document.createElement("li");
      item.setAttribute("role", "option");
      item.tabIndex = -1;
      item.dataset.username = p.username;
      const name = document.createElement("span");
      name.textContent = p.full_name || p.username;
      const more = document.createElement("span");
      more.className = "muted";
      more.textContent = [p.unit, p.username].filter(Boolean).join(" · ");
      item.append(name, " ", more);
      return item;
    }));
    box.hidden = found.length === 0;
    field.setAttribute("aria-expanded", String(!box.hidden));
  };
  const lookUp = (text) => {
    if (text === asked) return;
    asked = text;
    api("GET", field.dataset.lookupUrl + "?q=" + encodeURIComponent(text)).then((found) => {
      if (asked === text) show(found); // else a later question is on its way
    }).catch(close); // the field still takes a username typed in full
  };

  field.addEventListener("input", () => {
    const text = field.value.trim();
    clearTimeout(timer);
    if (text.length < MIN_CHARS) {
      asked = "";
      close();
      return;
    }
    timer = setTimeout(() => lookUp(text), DELAY_MS);
  });
  field.addEventListener("keydown", (e) => {
    if (target && e.key === "Enter") {
      e.preventDefault(); // adding a person does not send the form
      const first = box.hidden ? null : box.querySelector("li");
      if (first) choose(first.dataset.username);
      return;
    }
    if (box.hidden) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      box.querySelector("li")?.focus();
    } else if (e.key === "Escape") {
      close();
    }
  });
  box.addEventListener("keydown", (e) => {
    const item = e.target.closest("li");
    if (!item) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? item.nextElementSibling : item.previousElementSibling;
      (next || field).focus();
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault(); // picking a name does not send the form
      choose(item.dataset.username);
    } else if (e.key === "Escape") {
      close();
      field.focus();
    }
  });
  box.addEventListener("click", (e) => {
    const item = e.target.closest("li");
    if (item) choose(item.dataset.username);
  });
  field.closest("form")?.addEventListener("submit", close);
  document.addEventListener("click", (e) => {
    if (e.target !== field && !box.contains(e.target)) close();
  });
}

document.querySelectorAll("input[list]").forEach(attach);
