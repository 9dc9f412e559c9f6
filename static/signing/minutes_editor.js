// The papers' rich-text editor (the minutes, the conclusion notice): django-prose-editor (ProseMirror/Tiptap) on the textarea
// [data-minutes-editor], limited to the paper's HTML subset (ecabinet.richtext.ALLOWED_TAGS:
// paragraphs, h2/h3, bold/italic/underline, lists, blockquote, tables). Loaded as a module from
// our static files (no inline script, no import map: the editor bundle is imported by its URL).
// Its few labels are Vietnamese: the bundle reads window.gettext when it is evaluated, so the
// catalogue is set before the bundle is imported.

const VI = {
  "bold": "Chữ đậm", "italic": "Chữ nghiêng", "underline": "Gạch chân", "paragraph": "Đoạn văn",
  "heading 2": "Đề mục", "heading 3": "Tiểu mục", "unordered list": "Danh sách gạch đầu dòng",
  "ordered list": "Danh sách đánh số", "blockquote": "Trích dẫn", "undo": "Hoàn tác", "redo": "Làm lại",
  "Insert Table": "Chèn bảng", "Insert": "Chèn", "Update": "Cập nhật", "Cancel": "Hủy", "Rows": "Số hàng",
  "Columns": "Số cột", "Include header row": "Có hàng tiêu đề", "Table Properties": "Thuộc tính bảng",
  "List properties": "Thuộc tính danh sách", "List type": "Kiểu danh sách", "Start at": "Bắt đầu từ",
  "Bullets": "Gạch đầu dòng", "Decimal numbers": "Số thập phân", "Lowercase letters": "Chữ thường",
  "Uppercase letters": "Chữ hoa", "Lowercase Roman numerals": "Số La Mã thường",
  "Uppercase Roman numerals": "Số La Mã hoa", "Toggle fullscreen": "Toàn màn hình",
  "Yes": "Có", "No": "Không", "Title": "Tiêu đề", "Styles": "Kiểu",
  "Toggle header cell": "Ô tiêu đề", "Split cell": "Tách ô", "Merge cells": "Gộp ô",
  "table": "Bảng", "Add row before": "Thêm hàng phía trên", "Add row after": "Thêm hàng phía dưới",
  "Delete row": "Xóa hàng", "Add column before": "Thêm cột bên trái", "Add column after": "Thêm cột bên phải",
  "Delete column": "Xóa cột", "Delete table": "Xóa bảng",
};
const tr = (s) => (Object.prototype.hasOwnProperty.call(VI, s) ? VI[s] : s);
if (typeof window.gettext !== "function") window.gettext = tr;

function translateTitles(root) {
  for (const el of root.querySelectorAll("[title]")) {
    const t = el.getAttribute("title");
    if (VI[t]) el.setAttribute("title", VI[t]);
    if (VI[t] && !el.getAttribute("aria-label")) el.setAttribute("aria-label", VI[t]);
  }
}

async function start() {
  const areas = document.querySelectorAll("textarea[data-minutes-editor]");
  if (!areas.length) return;
  const base = new URL("../django_prose_editor/editor.js", import.meta.url);
  const E = await import(base.href);
  for (const textarea of areas) {
    if (textarea.closest(".prose-editor")) continue;
    // createTextareaEditor without the <style> element Tiptap injects (the CSP allows
    // stylesheets only; its rules are in ecabinet/paper.css)
    const wrap = document.createElement("div");
    wrap.className = "prose-editor";
    textarea.before(wrap);
    wrap.append(textarea);
    const editor = new E.Editor({
      element: wrap, injectCSS: false, content: textarea.value,
      onUpdate({ editor: ed }) {
        const html = ed.getHTML();
        textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      },
      extensions: [
      E.Document, E.Paragraph, E.Text, E.HardBreak, E.Dropcursor, E.Gapcursor, E.History, E.Menu,
      E.Bold, E.Italic, E.Underline, E.Heading.configure({ levels: [2, 3] }),
      E.BulletList, E.OrderedList, E.ListItem, E.Blockquote,
      E.Table, E.TableRow, E.TableHeader, E.TableCell,
    ]});
    const wrapper = wrap;
    wrapper.classList.add("paper-editor");
    const content = wrapper.querySelector(".ProseMirror");
    if (content) {
      content.setAttribute("lang", "vi");
      content.setAttribute("data-testid", textarea.id === "notice-body" ? "notice-editor-text" : "minutes-editor");
      content.setAttribute("aria-label", textarea.getAttribute("aria-label") || "");
    }
    translateTitles(wrapper);
    new MutationObserver(() => translateTitles(wrapper)).observe(wrapper, { subtree: true, childList: true });
    // the textarea carries the HTML when the form is sent
    textarea.form?.addEventListener("submit", () => { textarea.value = editor.getHTML(); });
    document.documentElement.dataset.minutesEditor = "ready";
  }
}

start();
