/* The document viewer (templates/meetings/documents/_viewer.html): the PDF drawn in the page by
 * PDF.js (npm pdfjs-dist, served from /static/pdfjs/), the same on a phone, a tablet and a desktop.
 *
 * - The file is the one the page names (data-src: the watermarked copy or the original, from the
 *   one delivery path), fetched by PDF.js's own loader, same origin, with the session cookie.
 * - Pages are placeholders of the right size; a page is drawn when it comes near the visible part
 *   (IntersectionObserver) and dropped again when far away, so a 200-page file opens at once and
 *   a phone keeps only a few canvases. Canvases are drawn at the screen's pixel ratio (HiDPI).
 * - Fit to width (again on rotation or resize), +/- buttons, pinch and double tap on a touch
 *   screen, Ctrl+wheel (a trackpad's pinch) on a desktop; thumbnails (a drawer on a phone, a
 *   column on a desktop), go to page, search in the text (matches highlighted in the text layer,
 *   previous/next, their count; accents optional: "bien ban" finds "Biên bản").
 * - The reader's personal notes on the current page beside (desktop) or under (phone) the pages,
 *   through /api/v1/notes with the one API client; a new note is sent with {queue: true}, so it is
 *   kept and sent later when the device is offline.
 * No eval (isEvalSupported: false), no inline style: everything obeys the page's CSP.
 * Every label comes from the template, translated (data-msg-*). */

import { confirmStep } from "../ecabinet/confirm.js";
import { api, newIdempotencyKey } from "../ecabinet/net.js";

const CSS_UNITS = 96 / 72; // 100 % = a PDF point drawn as 1/72 inch at 96 CSS px per inch
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 6;
const ZOOM_STEP = 1.25;
const PAGE_GAP = 12; // px between pages (viewer.css .pdfv-page margin)
const MAX_CANVAS_PIXELS = 8 * 1024 * 1024; // per canvas: phones run out of canvas memory
const KEEP_RENDERED = 8; // drawn pages kept beyond the visible ones
const THUMB_WIDTH = 96;
const TEXT_SIZE_FACTOR = 8;
const NOTES_API = "/api/v1/notes";

function format(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** Text for searching: lower case, no accents (đ as d), runs of spaces as one; `map[i]` is the
 * index in `text` of the character the i-th searchable character came from. */
export function searchable(text) {
  let out = "";
  const map = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      if (out.length && out[out.length - 1] !== " ") { out += " "; map.push(i); }
      continue;
    }
    const plain = ch.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/đ/g, "d");
    for (const part of plain) { out += part; map.push(i); }
  }
  return { text: out, map };
}

class Viewer {
  constructor(root) {
    this.root = root;
    this.msg = root.dataset;
    this.q = (selector) => root.querySelector(selector);
    this.pagesEl = this.q("[data-pages]");
    this.thumbsEl = this.q("[data-thumbs]");
    this.errorEl = this.q("[data-error]");
    this.pageInput = this.q("[data-page-input]");
    this.zoomEl = this.q("[data-zoom]");
    this.countEl = this.q("[data-search-count]");
    this.searchInput = this.q("[data-search-input]");
    this.inner = document.createElement("div");
    this.inner.className = "pdfv-inner";
    this.pages = [];
    this.zoom = 1;
    this.fit = true;
    this.current = 1;
    this.pinned = 0;
    this.hits = [];
    this.hitIndex = -1;
    this.searchToken = 0;
    this.texts = new Map();
    this.notes = [];
    this.documentId = root.dataset.document ? Number(root.dataset.document) : null;
  }

  // ---- opening the file ----------------------------------------------------------------

  async open() {
    this.bindToolbar();
    if (this.documentId) this.setUpNotes();
    // PDF.js's modern build uses what browsers gave in 2024 (Promise.try, URL.parse: iOS 18.2);
    // older ones get its legacy build, the same API with polyfills.
    const modern = typeof Promise.try === "function" && typeof URL.parse === "function";
    const build = modern ? this.root.dataset.pdfjs : this.root.dataset.pdfjsLegacy;
    let pdfjs;
    try {
      pdfjs = await import(build);
    } catch (error) {
      this.fail(this.msg.msgError, error);
      return;
    }
    this.pdfjs = pdfjs;
    this.root.dataset.build = modern ? "modern" : "legacy";
    performance.mark("pdfv-module"); // bench/viewer.py reads these marks
    pdfjs.GlobalWorkerOptions.workerSrc = modern ? this.root.dataset.worker : this.root.dataset.workerLegacy;
    const assets = this.root.dataset.assets;
    const task = pdfjs.getDocument({
      url: this.root.dataset.src,
      isEvalSupported: false, // the CSP forbids eval; PDF.js draws fonts without it
      cMapUrl: `${assets}cmaps/`,
      cMapPacked: true,
      standardFontDataUrl: `${assets}standard_fonts/`,
      wasmUrl: `${assets}wasm/`,
      useWasm: false, // WebAssembly needs 'wasm-unsafe-eval'; the JavaScript decoders do without
      enableXfa: false,
      verbosity: pdfjs.VerbosityLevel.ERRORS, // no console warnings about a file's oddities
    });
    const loading = this.q("[data-loading]");
    const loadingText = loading ? loading.textContent : "";
    task.onProgress = ({ loaded, total }) => {
      if (loading && total) loading.textContent = `${loadingText} ${Math.round((100 * loaded) / total)}%`;
    };
    try {
      this.pdf = await task.promise;
      performance.mark("pdfv-document");
      const first = await this.pdf.getPage(1);
      const size = first.getViewport({ scale: 1 });
      this.build(this.pdf.numPages, size.width, size.height);
    } catch (error) {
      this.fail(this.describe(error), error);
      return;
    }
    if (loading) loading.remove();
    this.pagesEl.setAttribute("aria-busy", "false");
    this.root.classList.add("ready");
  }

  describe(error) {
    const name = error && error.name;
    if (name === "PasswordException") return this.msg.msgPassword;
    if (name === "InvalidPDFException") return this.msg.msgInvalid;
    const status = error && error.status;
    if (!status && !navigator.onLine) return this.msg.msgNetwork; // offline, and the file not kept
    if (name === "MissingPDFException" || status === 404 || status === 403 || status === 410) return this.msg.msgRefused;
    if (name === "UnexpectedResponseException" || name === "ResponseException") {
      return status ? this.msg.msgError : this.msg.msgNetwork;
    }
    return this.msg.msgError;
  }

  fail(message, error) {
    if (error && window.console) console.warn("viewer:", error && error.message ? error.message : error);
    const loading = this.q("[data-loading]");
    if (loading) loading.remove();
    this.errorEl.textContent = message;
    this.errorEl.hidden = false;
    this.pagesEl.setAttribute("aria-busy", "false");
    this.root.classList.add("failed");
  }

  build(count, width, height) {
    this.q("[data-page-count]").textContent = String(count);
    this.pageInput.max = String(count);
    if (this.notePage) this.notePage.max = String(count);
    const pageLabel = this.msg.msgPage;
    const pageFragment = document.createDocumentFragment();
    const thumbFragment = document.createDocumentFragment();
    for (let n = 1; n <= count; n++) {
      const el = document.createElement("div");
      el.className = "pdfv-page";
      el.dataset.page = String(n);
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", format(pageLabel, { n }));
      pageFragment.append(el);
      const thumb = document.createElement("button");
      thumb.type = "button";
      thumb.className = "pdfv-thumb";
      thumb.dataset.page = String(n);
      thumb.setAttribute("aria-label", format(pageLabel, { n }));
      const box = document.createElement("span");
      box.className = "pdfv-thumb-box";
      const label = document.createElement("span");
      label.className = "pdfv-thumb-label";
      label.textContent = String(n);
      const badge = document.createElement("span");
      badge.className = "pdfv-thumb-notes";
      badge.hidden = true;
      thumb.append(box, label, badge);
      thumbFragment.append(thumb);
      this.pages.push({ n, w: width, h: height, el, thumb, box, badge, visible: false, thumbVisible: false,
        rendered: 0, thumbDone: false, failed: false, textLayer: null, strs: null, marked: [] });
    }
    this.inner.append(pageFragment);
    this.pagesEl.append(this.inner);
    this.thumbsEl.append(thumbFragment);
    this.pages[0].thumb.setAttribute("aria-current", "page");
    this.sizeThumbs();
    if (window.matchMedia("(min-width: 900px)").matches) this.toggleThumbs(true);

    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) this.pages[Number(entry.target.dataset.page) - 1].visible = entry.isIntersecting;
      this.schedule();
    }, { root: this.pagesEl, rootMargin: "100% 0px" });
    this.thumbObserver = new IntersectionObserver((entries) => {
      for (const entry of entries) this.pages[Number(entry.target.dataset.page) - 1].thumbVisible = entry.isIntersecting;
      this.schedule();
    }, { root: this.thumbsEl, rootMargin: "200px" });
    for (const p of this.pages) { this.observer.observe(p.el); this.thumbObserver.observe(p.thumb); }

    this.width = this.pagesEl.clientWidth;
    this.zoom = this.fitZoom();
    this.layout();
    this.showZoom();
    new ResizeObserver(() => this.resized()).observe(this.pagesEl);
    this.pagesEl.addEventListener("scroll", () => this.scrolled(), { passive: true });
    this.bindGestures();
    // A search result links to the page its words are on: ".../documents/7/#page=3".
    const linked = /^#page=(\d+)$/.exec(window.location.hash);
    if (linked) this.goTo(Number(linked[1]));
    this.renderNotes();
  }

  // ---- sizes and zoom ----------------------------------------------------------------------

  fitZoom() {
    const page = this.pages[this.current - 1] || this.pages[0];
    const room = Math.max(100, this.pagesEl.clientWidth - 2 * PAGE_GAP);
    return clamp(room / (page.w * CSS_UNITS), MIN_ZOOM, MAX_ZOOM);
  }

  scale() {
    return this.zoom * CSS_UNITS;
  }

  layout() {
    const scale = this.scale();
    for (const p of this.pages) this.sizePage(p, scale);
  }

  sizePage(p, scale) {
    p.el.style.width = `${Math.floor(p.w * scale)}px`;
    p.el.style.height = `${Math.floor(p.h * scale)}px`;
    p.el.style.setProperty("--total-scale-factor", String(scale));
  }

  sizeThumbs() {
    for (const p of this.pages) {
      p.box.style.width = `${THUMB_WIDTH}px`;
      p.box.style.height = `${Math.round((THUMB_WIDTH * p.h) / p.w)}px`;
    }
  }

  /** Zoom to `zoom`, keeping the point `anchor` (px in the pages box; default: the top middle)
   * over the same spot of the same page. */
  setZoom(zoom, anchor) {
    zoom = clamp(zoom, MIN_ZOOM, MAX_ZOOM);
    if (!this.pages.length || Math.abs(zoom - this.zoom) < 0.001) { this.showZoom(); return; }
    const box = this.pagesEl;
    const ax = anchor ? anchor.x : box.clientWidth / 2;
    const ay = anchor ? anchor.y : 0;
    const p = this.pageAt(box.scrollTop + ay);
    const fx = (box.scrollLeft + ax - p.el.offsetLeft) / p.el.offsetWidth;
    const fy = (box.scrollTop + ay - p.el.offsetTop) / p.el.offsetHeight;
    this.zoom = zoom;
    this.layout();
    box.scrollLeft = p.el.offsetLeft + fx * p.el.offsetWidth - ax;
    box.scrollTop = p.el.offsetTop + fy * p.el.offsetHeight - ay;
    this.showZoom();
    this.schedule();
  }

  zoomBy(factor, anchor) {
    this.fit = false;
    this.setZoom(this.zoom * factor, anchor);
  }

  fitWidth(anchor) {
    this.fit = true;
    this.setZoom(this.fitZoom(), anchor);
  }

  showZoom() {
    this.zoomEl.textContent = `${Math.round(this.zoom * 100)}%`;
    this.q("[data-act=fit]").setAttribute("aria-pressed", this.fit ? "true" : "false");
  }

  resized() {
    const width = this.pagesEl.clientWidth;
    if (width === this.width) return;
    this.width = width;
    if (this.fit) this.setZoom(this.fitZoom());
  }

  // ---- where the reader is -----------------------------------------------------------------

  pageAt(y) {
    let low = 0;
    let high = this.pages.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.pages[mid].el.offsetTop <= y) low = mid; else high = mid - 1;
    }
    return this.pages[low];
  }

  scrolled() {
    if (this.scrollFrame) return;
    this.scrollFrame = requestAnimationFrame(() => {
      this.scrollFrame = 0;
      const box = this.pagesEl;
      let n = this.pageAt(box.scrollTop + box.clientHeight * 0.35).n;
      if (this.pinned) {
        const p = this.pages[this.pinned - 1];
        const inView = p.el.offsetTop < box.scrollTop + box.clientHeight && p.el.offsetTop + p.el.offsetHeight > box.scrollTop;
        if (inView) n = this.pinned; else this.pinned = 0;
      }
      this.setCurrent(n);
    });
  }

  setCurrent(n) {
    if (n === this.current) return;
    const before = this.pages[this.current - 1];
    if (before) before.thumb.removeAttribute("aria-current");
    this.current = n;
    this.pageInput.value = String(n);
    this.followPage();
    const p = this.pages[n - 1];
    p.thumb.setAttribute("aria-current", "page");
    if (this.root.classList.contains("thumbs-open")) this.revealThumb(p);
    this.renderNotes();
  }

  revealThumb(p) {
    const strip = this.thumbsEl;
    const t = p.thumb;
    if (t.offsetTop < strip.scrollTop || t.offsetTop + t.offsetHeight > strip.scrollTop + strip.clientHeight) {
      strip.scrollTop = t.offsetTop - PAGE_GAP;
    }
    if (t.offsetLeft < strip.scrollLeft || t.offsetLeft + t.offsetWidth > strip.scrollLeft + strip.clientWidth) {
      strip.scrollLeft = t.offsetLeft - PAGE_GAP;
    }
  }

  goTo(n) {
    if (!this.pages.length) return;
    n = clamp(Math.round(n) || 1, 1, this.pages.length);
    const p = this.pages[n - 1];
    this.pinned = n;
    this.pagesEl.scrollTop = p.el.offsetTop - PAGE_GAP / 2;
    this.setCurrent(n);
    this.pageInput.value = String(n);
    this.schedule();
  }

  // ---- drawing -------------------------------------------------------------------------------

  schedule() {
    if (this.pumping || !this.pdf) return;
    this.pumping = true;
    this.root.dataset.busy = "1"; // drawing (tests and benchmarks wait for its end)
    requestAnimationFrame(() => this.pump());
  }

  async pump() {
    try {
      for (;;) {
        const scale = this.scale();
        const due = this.pages.filter((p) => p.visible && !p.failed && p.rendered !== scale);
        if (due.length) {
          due.sort((a, b) => Math.abs(a.n - this.current) - Math.abs(b.n - this.current));
          await this.draw(due[0], scale);
          continue;
        }
        const thumbs = this.root.classList.contains("thumbs-open")
          ? this.pages.filter((p) => p.thumbVisible && !p.thumbDone && !p.failed) : [];
        if (!thumbs.length) break;
        await this.drawThumb(thumbs[0]);
      }
      this.evict();
    } finally {
      this.pumping = false;
      delete this.root.dataset.busy;
    }
  }

  canvasFor(viewport, ratio) {
    let out = ratio;
    const pixels = viewport.width * viewport.height;
    if (pixels * out * out > MAX_CANVAS_PIXELS) out = Math.sqrt(MAX_CANVAS_PIXELS / pixels);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.floor(viewport.width * out));
    canvas.height = Math.max(1, Math.floor(viewport.height * out));
    return { canvas, transform: out === 1 ? null : [out, 0, 0, out, 0, 0] };
  }

  async draw(p, scale) {
    try {
      const page = await this.pdf.getPage(p.n);
      const natural = page.getViewport({ scale: 1 });
      if (natural.width !== p.w || natural.height !== p.h) {
        p.w = natural.width;
        p.h = natural.height;
        this.sizePage(p, scale);
        this.sizeThumbs();
      }
      const viewport = page.getViewport({ scale });
      const { canvas, transform } = this.canvasFor(viewport, Math.min(window.devicePixelRatio || 1, 3));
      const context = canvas.getContext("2d", { alpha: false });
      await page.render({ canvasContext: context, viewport, transform }).promise;
      const old = p.el.querySelector("canvas");
      if (old) old.replaceWith(canvas); else p.el.prepend(canvas);
      p.rendered = scale;
      p.el.classList.add("drawn");
      if (p.n === 1 && !performance.getEntriesByName("pdfv-first-page").length) performance.mark("pdfv-first-page");
      if (!p.textLayer) await this.drawText(p, page, viewport);
    } catch (error) {
      if (error && error.name === "RenderingCancelledException") return;
      p.failed = true;
      const note = document.createElement("p");
      note.className = "error pdfv-page-error";
      note.textContent = this.msg.msgError;
      p.el.append(note);
      console.warn("viewer: page", p.n, error && error.message);
    }
  }

  async drawText(p, page, viewport) {
    const layer = document.createElement("div");
    layer.className = "textLayer";
    p.el.append(layer);
    const text = new this.pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container: layer, viewport });
    // The invisible text is laid out at a larger font size and scaled down to the same place
    // (PDF.js's own device for browsers with a minimum font size): a page shown small on a
    // phone has no text a browser or an audit takes for illegibly small.
    layer.style.setProperty("--min-font-size", String(TEXT_SIZE_FACTOR));
    p.textLayer = text;
    await text.render();
    p.strs = text.textContentItemsStr.slice();
    this.markPage(p);
  }

  async drawThumb(p) {
    p.thumbDone = true;
    try {
      const page = await this.pdf.getPage(p.n);
      const viewport = page.getViewport({ scale: THUMB_WIDTH / page.getViewport({ scale: 1 }).width });
      const { canvas, transform } = this.canvasFor(viewport, Math.min(window.devicePixelRatio || 1, 2));
      await page.render({ canvasContext: canvas.getContext("2d", { alpha: false }), viewport, transform }).promise;
      p.box.append(canvas);
    } catch (error) {
      console.warn("viewer: thumbnail", p.n, error && error.message);
    }
  }

  /** Drop the canvases and text of pages far from the visible ones. */
  evict() {
    const drawn = this.pages.filter((p) => p.rendered && !p.visible);
    if (drawn.length <= KEEP_RENDERED) return;
    drawn.sort((a, b) => Math.abs(b.n - this.current) - Math.abs(a.n - this.current));
    for (const p of drawn.slice(0, drawn.length - KEEP_RENDERED)) {
      p.el.querySelectorAll("canvas, .textLayer").forEach((node) => node.remove());
      p.el.classList.remove("drawn");
      if (p.textLayer) p.textLayer.cancel();
      p.textLayer = null;
      p.rendered = 0;
      p.marked = [];
      this.pdf.getPage(p.n).then((page) => page.cleanup()).catch(() => {});
    }
  }

  // ---- touch, wheel and keys -----------------------------------------------------------------

  bindGestures() {
    const box = this.pagesEl;
    let pinch = null;
    let tap = null;
    let lastTap = null;
    const distance = (a, b) => Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
    const inBox = (x, y) => {
      const r = box.getBoundingClientRect();
      return { x: x - r.left, y: y - r.top };
    };
    // Two fingers on the pages: follow them (a CSS scale), then draw at the new zoom. The
    // listener that may cancel the browser's own move exists only while two fingers are down,
    // so scrolling with one finger never waits for this page's script (pages draw meanwhile).
    const pinchMove = (event) => {
      if (!pinch || event.touches.length !== 2) return;
      if (event.cancelable) event.preventDefault();
      const [a, b] = event.touches;
      const zoom = clamp((pinch.startZoom * distance(a, b)) / pinch.start, MIN_ZOOM, MAX_ZOOM);
      pinch.ratio = zoom / pinch.startZoom;
      this.inner.style.transform = `scale(${pinch.ratio})`;
    };
    const endPinch = () => {
      box.removeEventListener("touchmove", pinchMove);
      const { ratio, center, startZoom } = pinch;
      pinch = null;
      this.inner.style.transform = "";
      this.inner.style.transformOrigin = "";
      this.fit = false;
      this.setZoom(startZoom * ratio, center);
    };
    box.addEventListener("touchstart", (event) => {
      this.pinned = 0;
      if (event.touches.length === 2) {
        const [a, b] = event.touches;
        const center = inBox((a.clientX + b.clientX) / 2, (a.clientY + b.clientY) / 2);
        if (!pinch) box.addEventListener("touchmove", pinchMove, { passive: false });
        pinch = { start: distance(a, b), startZoom: this.zoom, ratio: 1, center };
        this.inner.style.transformOrigin = `${box.scrollLeft + center.x}px ${box.scrollTop + center.y}px`;
        tap = null;
      } else if (event.touches.length === 1) {
        const t = event.touches[0];
        tap = { x: t.clientX, y: t.clientY, at: event.timeStamp };
      }
    }, { passive: true });
    box.addEventListener("touchmove", (event) => {
      if (tap && event.touches.length === 1) {
        const t = event.touches[0];
        if (Math.hypot(t.clientX - tap.x, t.clientY - tap.y) > 10) tap = null;
      }
    }, { passive: true });
    const touchEnd = (event) => {
      if (pinch && event.touches.length < 2) { endPinch(); return; }
      if (!tap || event.touches.length || event.timeStamp - tap.at > 350) { tap = null; return; }
      const here = tap;
      tap = null;
      if (lastTap && here.at - lastTap.at < 400 && Math.hypot(here.x - lastTap.x, here.y - lastTap.y) < 40) {
        lastTap = null;
        if (event.cancelable) event.preventDefault();
        const anchor = inBox(here.x, here.y);
        if (this.zoom > this.fitZoom() * 1.2) this.fitWidth(anchor);
        else this.zoomBy((this.fitZoom() * 2.5) / this.zoom, anchor);
      } else {
        lastTap = here;
      }
    };
    box.addEventListener("touchend", touchEnd, { passive: false });
    box.addEventListener("touchcancel", () => { if (pinch) endPinch(); tap = null; }, { passive: true });
    box.addEventListener("wheel", (event) => {
      this.pinned = 0;
      if (!event.ctrlKey) return;
      event.preventDefault();
      const factor = Math.exp(-clamp(event.deltaY, -50, 50) / 100);
      this.zoomBy(factor, inBox(event.clientX, event.clientY));
    }, { passive: false });
    box.addEventListener("pointerdown", () => { this.pinned = 0; });
  }

  bindToolbar() {
    const act = (name, handler) => this.q(`[data-act=${name}]`).addEventListener("click", handler);
    act("prev", () => this.goTo(this.current - 1));
    act("next", () => this.goTo(this.current + 1));
    act("zoom-in", () => this.zoomBy(ZOOM_STEP));
    act("zoom-out", () => this.zoomBy(1 / ZOOM_STEP));
    act("fit", () => this.fitWidth());
    act("thumbs", () => this.toggleThumbs());
    act("hit-next", () => this.nextHit(1));
    act("hit-prev", () => this.nextHit(-1));
    this.pageInput.addEventListener("change", () => this.goTo(Number(this.pageInput.value)));
    this.pageInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); this.goTo(Number(this.pageInput.value)); }
    });
    this.thumbsEl.addEventListener("click", (event) => {
      const thumb = event.target.closest(".pdfv-thumb");
      if (!thumb) return;
      this.goTo(Number(thumb.dataset.page));
      if (!window.matchMedia("(min-width: 900px)").matches) this.toggleThumbs(false);
    });
    const form = this.q("[data-search-form]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.lastQuery === this.searchInput.value && this.hits.length) this.nextHit(1);
      else this.search(this.searchInput.value);
    });
    this.searchInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.shiftKey) { event.preventDefault(); this.nextHit(-1); }
      if (event.key === "Escape") { this.searchInput.value = ""; this.search(""); }
    });
    let timer = 0;
    this.searchInput.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.search(this.searchInput.value), 350);
    });
    this.pagesEl.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "+" || event.key === "=") { event.preventDefault(); this.zoomBy(ZOOM_STEP); }
      else if (event.key === "-") { event.preventDefault(); this.zoomBy(1 / ZOOM_STEP); }
      else if (event.key === "0") { event.preventDefault(); this.fitWidth(); }
      else this.pinned = 0;
    });
  }

  toggleThumbs(open) {
    const show = open === undefined ? !this.root.classList.contains("thumbs-open") : open;
    this.root.classList.toggle("thumbs-open", show);
    this.q("[data-act=thumbs]").setAttribute("aria-expanded", show ? "true" : "false");
    if (show && this.pages.length) this.revealThumb(this.pages[this.current - 1]);
    this.schedule();
  }

  // ---- search --------------------------------------------------------------------------------

  async pageText(n) {
    if (!this.texts.has(n)) {
      this.texts.set(n, this.pdf.getPage(n).then((page) => page.getTextContent()).then((content) => {
        const strs = [];
        const starts = [];
        let joined = "";
        for (const item of content.items) {
          if (item.str === undefined) continue;
          starts.push(joined.length);
          strs.push(item.str);
          joined += item.str;
        }
        // An item that ends a line is followed by a space for searching, not in the text layer.
        let spaced = "";
        const back = [];
        content.items.filter((item) => item.str !== undefined).forEach((item, i) => {
          for (let k = 0; k < item.str.length; k++) { spaced += item.str[k]; back.push(starts[i] + k); }
          if (item.hasEOL) { spaced += " "; back.push(starts[i] + item.str.length); }
        });
        const { text, map } = searchable(spaced);
        return { strs, starts, text, map: map.map((i) => back[i]) };
      }));
    }
    return this.texts.get(n);
  }

  async search(query) {
    const token = ++this.searchToken;
    this.lastQuery = query;
    const needle = searchable(query.trim()).text;
    this.hits = [];
    this.hitIndex = -1;
    this.root.dataset.hits = "";
    for (const p of this.pages) this.markPage(p);
    if (!needle || !this.pdf) { this.countEl.textContent = ""; return; }
    this.countEl.textContent = this.msg.msgSearching;
    const hits = [];
    let shown = false;
    try {
      for (const p of this.pages) {
        const t = await this.pageText(p.n);
        if (token !== this.searchToken) return;
        for (let at = t.text.indexOf(needle); at >= 0; at = t.text.indexOf(needle, at + needle.length)) {
          hits.push({ page: p.n, start: t.map[at], end: t.map[at + needle.length - 1] + 1 });
        }
        if (!shown && hits.length && hits[hits.length - 1].page >= this.current) {
          // the first match from here on is shown while the rest of the file is searched
          shown = true;
          this.hits = hits.slice();
          this.hitIndex = this.hits.findIndex((h) => h.page >= this.current);
          this.showHit();
        }
      }
    } catch (error) {
      if (token === this.searchToken) this.countEl.textContent = this.msg.msgError;
      return;
    }
    const currentHit = this.hits[this.hitIndex];
    this.hits = hits;
    this.hitIndex = currentHit ? hits.findIndex((h) => h.page === currentHit.page && h.start === currentHit.start) : (hits.length ? 0 : -1);
    this.root.dataset.hits = String(hits.length);
    if (!hits.length) { this.countEl.textContent = this.msg.msgNoHits; return; }
    this.showHit();
  }

  nextHit(step) {
    if (!this.hits.length) {
      if (this.searchInput.value.trim()) this.search(this.searchInput.value);
      return;
    }
    this.hitIndex = (this.hitIndex + step + this.hits.length) % this.hits.length;
    this.showHit();
  }

  showHit() {
    const hit = this.hits[this.hitIndex];
    if (!hit) return;
    const total = this.root.dataset.hits || `${this.hits.length}…`;
    this.countEl.textContent = format(this.msg.msgHits, { current: this.hitIndex + 1, total });
    for (const p of this.pages) if (p.textLayer) this.markPage(p);
    const p = this.pages[hit.page - 1];
    this.pendingHit = hit;
    if (!this.scrollToHit(p)) this.goTo(hit.page);
  }

  scrollToHit(p) {
    const el = p.el.querySelector(".pdfv-hit.selected");
    if (!el || this.pendingHit == null) return false;
    this.pendingHit = null;
    const box = this.pagesEl.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    this.pinned = p.n;
    this.pagesEl.scrollTop += r.top - box.top - box.height / 3;
    if (r.left < box.left || r.right > box.right) this.pagesEl.scrollLeft += r.left - box.left - box.width / 3;
    this.setCurrent(p.n);
    return true;
  }

  /** Show this page's matches in its text layer (the selected one marked .selected). */
  markPage(p) {
    const layer = p.textLayer;
    if (!layer || !p.strs) return;
    const divs = layer.textDivs;
    for (const i of p.marked) divs[i].textContent = p.strs[i];
    p.marked = [];
    const ranges = new Map();
    const texts = this.texts.get(p.n);
    const pageHits = this.hits.filter((h) => h.page === p.n);
    if (!pageHits.length || !texts) return;
    texts.then((t) => {
      if (p.textLayer !== layer) return;
      for (const hit of pageHits) {
        const selected = hit === this.hits[this.hitIndex];
        for (let i = 0; i < t.starts.length; i++) {
          const from = t.starts[i];
          const to = from + t.strs[i].length;
          if (to <= hit.start || from >= hit.end) continue;
          if (!ranges.has(i)) ranges.set(i, []);
          ranges.get(i).push([Math.max(hit.start, from) - from, Math.min(hit.end, to) - from, selected]);
        }
      }
      for (const [i, parts] of ranges) {
        const div = divs[i];
        const str = p.strs[i];
        if (!div) continue;
        parts.sort((a, b) => a[0] - b[0]);
        div.textContent = "";
        let at = 0;
        for (const [from, to, selected] of parts) {
          if (from > at) div.append(str.slice(at, from));
          const mark = document.createElement("span");
          mark.className = selected ? "pdfv-hit selected" : "pdfv-hit";
          mark.textContent = str.slice(Math.max(from, at), to);
          div.append(mark);
          at = Math.max(at, to);
        }
        if (at < str.length) div.append(str.slice(at));
        p.marked.push(i);
      }
      if (this.pendingHit && this.pendingHit.page === p.n) this.scrollToHit(p);
    }).catch(() => {});
  }

  // ---- personal notes ------------------------------------------------------------------------

  /** The note form's page is the page being read, until the reader types another. */
  followPage() {
    if (this.notePage && !this.notePageTyped) this.notePage.value = String(this.current);
  }

  setUpNotes() {
    this.notesEl = this.q("[data-notes]");
    this.notesList = this.q("[data-notes-list]");
    this.notePage = this.q("[data-note-page]");
    this.notePageTyped = false;
    this.sentIds = new Set();
    this.notePage.addEventListener("input", () => { this.notePageTyped = this.notePage.value !== ""; });
    this.followPage();
    const data = document.getElementById("pdfv-notes-data");
    try {
      const given = data ? JSON.parse(data.textContent) : null;
      this.notes = Array.isArray(given) ? given : [];
    } catch (_) {
      this.notes = [];
    }
    const form = this.q("[data-note-form]");
    const text = this.q("[data-note-text]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.addNote(text);
    });
    this.notesList.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-note-act]");
      if (!button) return;
      const id = Number(button.closest("[data-note]").dataset.note);
      const note = this.notes.find((n) => n.id === id);
      if (!note) return;
      if (button.dataset.noteAct === "edit") this.editNote(note, button.closest("[data-note]"));
      else if (button.dataset.noteAct === "delete") this.deleteNote(note);
    });
    this.renderNotes();
    this.refreshNotes();
    // Notes kept offline are sent by the offline queue (static/ecabinet/offline.js) on reconnect:
    // it says which went through and which the server refused.
    window.addEventListener("ecab:queue-sent", (event) => {
      const { item, result } = event.detail || {};
      const note = item && this.notes.find((n) => n.pending && n.key === item.key);
      if (!note || !result) return;
      Object.assign(note, result, { pending: false });
      this.sentIds.add(note.id);
      this.renderNotes();
    });
    window.addEventListener("ecab:queue-refused", (event) => {
      const item = event.detail || {};
      const note = this.notes.find((n) => n.pending && n.key === item.key);
      if (!note) return;
      this.notes = this.notes.filter((n) => n !== note);
      this.noteStatus(item.message || this.msg.msgError, true);
      this.renderNotes();
    });
    window.addEventListener("online", () => setTimeout(() => this.refreshNotes(), 3000));
  }

  /** The notes as the server has them, plus those still waiting to be sent. */
  refreshNotes() {
    api("GET", `${NOTES_API}?document=${this.documentId}`).then((body) => {
      if (!body || !Array.isArray(body.notes)) return;
      const arrived = (note) => body.notes.some((n) => n.page === note.page && n.text === note.text);
      const waiting = this.notes.filter((n) => n.pending && !arrived(n));
      this.notes = body.notes.concat(waiting);
      this.renderNotes();
    }).catch(() => { /* offline: the notes the page came with stay */ });
  }

  noteStatus(message, isError) {
    const error = this.q("[data-note-error]");
    const status = this.q("[data-note-status]");
    error.hidden = !(isError && message);
    status.hidden = !(!isError && message);
    (isError ? error : status).textContent = message || "";
    if (isError) status.textContent = ""; else error.textContent = "";
  }

  async addNote(textarea) {
    const text = textarea.value.trim();
    if (!text) return;
    const typed = Number(this.notePage.value);
    const page = Number.isInteger(typed) && typed >= 1 ? typed : this.current;
    this.noteStatus("", false);
    const button = textarea.form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body = { text, document: this.documentId, page };
      const answer = await api("POST", NOTES_API, body, { queue: true, idempotencyKey: newIdempotencyKey() });
      if (answer && answer.queued) {
        this.notes.push({ id: null, pending: true, key: answer.key, document: this.documentId, page, text });
        this.noteStatus(this.msg.msgQueued, false);
      } else if (answer) {
        this.notes.push(answer);
      }
      textarea.value = "";
      this.notePageTyped = false;
      // Show the page the note is on, with its notes.
      if (page !== this.current && this.pages.length) this.goTo(page);
      else if (page !== this.current) this.current = page;
      this.followPage();
      this.renderNotes();
    } catch (error) {
      this.noteStatus(error.message || this.msg.msgError, true);
    } finally {
      button.disabled = false;
    }
  }

  editNote(note, item) {
    item.textContent = "";
    const area = document.createElement("textarea");
    area.rows = 3;
    area.value = note.text;
    area.setAttribute("aria-label", this.msg.msgEdit);
    const save = this.button(this.msg.msgSave, "primary");
    const cancel = this.button(this.msg.msgCancel);
    item.append(area, save, " ", cancel);
    area.focus();
    cancel.addEventListener("click", () => this.renderNotes());
    save.addEventListener("click", async () => {
      save.disabled = true;
      try {
        const answer = await api("PATCH", `${NOTES_API}/${note.id}`, { text: area.value, page: note.page });
        Object.assign(note, answer);
        this.noteStatus("", false);
        this.renderNotes();
      } catch (error) {
        save.disabled = false;
        this.noteStatus(error.message || this.msg.msgError, true);
      }
    });
  }

  async deleteNote(note) {
    try {
      if (!(await confirmStep(this.msg.msgDeleteConfirm, this.msg.msgDelete))) return;
      await api("DELETE", `${NOTES_API}/${note.id}`);
      this.notes = this.notes.filter((n) => n !== note);
      this.noteStatus("", false);
      this.renderNotes();
    } catch (error) {
      this.noteStatus(error.message || this.msg.msgError, true);
    }
  }

  button(label, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (className) b.className = className;
    return b;
  }

  renderNotes() {
    if (!this.notesList) return;
    const n = this.current;
    this.q("[data-notes-title]").textContent = format(this.msg.msgNotesOn, { n });
    this.notesEl.dataset.page = String(n);
    const list = this.notesList;
    list.textContent = "";
    const item = (note) => {
      const li = document.createElement("li");
      li.className = note.pending ? "pdfv-note pending" : "pdfv-note";
      if (note.id) li.dataset.note = String(note.id);
      if (note.pending) li.dataset.testid = "note-waiting";
      else if (this.sentIds.has(note.id)) li.dataset.testid = "note-sent";
      const text = document.createElement("p");
      text.className = "prewrap pdfv-note-text";
      text.textContent = note.text;
      li.append(text);
      if (note.pending) {
        const wait = document.createElement("p");
        wait.className = "muted small";
        wait.textContent = this.msg.msgQueued;
        li.append(wait);
      } else {
        const edit = this.button(this.msg.msgEdit, "linklike");
        edit.dataset.noteAct = "edit";
        const del = this.button(this.msg.msgDelete, "linklike");
        del.dataset.noteAct = "delete";
        li.append(edit, " · ", del);
      }
      return li;
    };
    const here = this.notes.filter((note) => note.page === n);
    for (const note of here) list.append(item(note));
    if (!here.length) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = this.msg.msgNoNotes;
      list.append(empty);
    }
    const whole = this.notes.filter((note) => !note.page);
    if (whole.length) {
      const head = document.createElement("li");
      head.className = "pdfv-notes-head";
      head.textContent = this.msg.msgWhole;
      list.append(head);
      for (const note of whole) list.append(item(note));
    }
    for (const p of this.pages) {
      const count = this.notes.filter((note) => note.page === p.n).length;
      p.badge.hidden = !count;
      p.badge.textContent = count ? String(count) : "";
      p.thumb.title = count ? format(this.msg.msgNoteCount, { n: count }) : "";
    }
  }
}

for (const root of document.querySelectorAll("[data-pdfv]")) {
  new Viewer(root).open().catch((error) => console.warn("viewer:", error && error.message));
}
