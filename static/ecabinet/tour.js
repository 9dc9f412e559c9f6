// The first-time tour of the home page (help, issue 12): driver.js 1.8.0 from npm, served from
// node_modules (/static/driverjs/), its texts in the person's language from the server
// (templates/ecabinet/help/_tour.html). A step whose element is hidden (the folded menu on a
// phone) points at the menu button. Finished or skipped, the tour is marked seen through the API
// (POST /api/v1/me/tour), so it is not offered again; the help index offers it again.

import { api } from "./net.js";

const holder = document.getElementById("help-tour");
const data = document.getElementById("help-tour-steps");

function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = String(text || "");
  return div.innerHTML;
}

function shown(el) {
  return Boolean(el) && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
}

async function start() {
  const labels = holder.dataset;
  const { driver } = await import(labels.driver);
  const menuButton = document.querySelector(".nav-toggle-label");
  const steps = JSON.parse(data.textContent).map((step) => {
    let element = step.element ? document.querySelector(step.element) : null;
    if (element && !shown(element)) element = shown(menuButton) ? menuButton : null;
    const out = { popover: { title: escapeHtml(step.title), description: escapeHtml(step.description) } };
    if (element) out.element = element;
    return out;
  });
  let marked = false;
  const mark = (finished) => {
    if (marked) return;
    marked = true;
    document.documentElement.dataset.tour = finished ? "finished" : "skipped";
    api("POST", "/api/v1/me/tour", { finished }, { queue: true }).catch(() => {});
  };
  const tour = driver({
    steps,
    animate: false,
    showProgress: true,
    progressText: `{{current}} ${escapeHtml(labels.of)} {{total}}`,
    nextBtnText: escapeHtml(labels.next),
    prevBtnText: escapeHtml(labels.prev),
    doneBtnText: escapeHtml(labels.done),
    popoverClass: "help-tour",
    onPopoverRender(popover) {
      popover.wrapper.setAttribute("data-testid", "tour-popover");
      popover.wrapper.setAttribute("lang", document.documentElement.lang || "vi");
      popover.closeButton.setAttribute("aria-label", labels.close);
      popover.closeButton.setAttribute("title", labels.close);
      popover.nextButton.setAttribute("data-testid", "tour-next");
      const skip = document.createElement("button");
      skip.type = "button";
      skip.className = "tour-skip";
      skip.textContent = labels.skip;
      skip.setAttribute("data-testid", "tour-skip");
      skip.addEventListener("click", () => { mark(false); tour.destroy(); });
      popover.footer.prepend(skip);
    },
    onDestroyStarted() {
      mark(!tour.hasNextStep());
      tour.destroy();
    },
  });
  document.documentElement.dataset.tour = "open";
  tour.drive();
}

if (holder && data) start();
