/* eCabinet people lookup: search-as-you-type for the fields naming a person. A text field
   <input list="X"> whose <datalist id="X"> carries data-url (a people lookup: the directory's,
   /api/v1/people, or a meeting's, /api/v1/meetings/{id}/people) is offered the names matching
   what is typed, a few at a time, instead of the page listing everyone. The field still takes a
   username typed in full, so the form works without this script (the server checks the name).
   An ES module that attaches itself once, however many pages' scripts import it. */

import { api } from "../ecabinet/net.js";

const DELAY_MS = 200;
const MIN_CHARS = 2;
const asked = new WeakMap(); // datalist -> the last question sent for it
const timers = new WeakMap(); // datalist -> its pending question's timer

function lookUp(list, text) {
  if (asked.get(list) === text) return;
  asked.set(list, text);
  api("GET", list.dataset.url + "?q=" + encodeURIComponent(text)).then((found) => {
    if (asked.get(list) !== text) return; // a later question is on its way
    list.replaceChildren(...found.map((p) => {
      const option = document.createElement("option");
      option.value = p.username;
      option.textContent = p.full_name + (p.unit ? " — " + p.unit : "");
      return option;
    }));
  }).catch(() => {}); // the field still takes a username typed in full
}

document.addEventListener("input", (e) => {
  const field = e.target;
  if (!(field instanceof HTMLInputElement) || !field.list || !field.list.dataset.url) return;
  const list = field.list;
  const text = field.value.trim();
  clearTimeout(timers.get(list));
  if (text.length < MIN_CHARS) return;
  timers.set(list, setTimeout(() => lookUp(list, text), DELAY_MS));
});
