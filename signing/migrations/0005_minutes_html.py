"""The minutes' text becomes HTML in the richtext subset (the editor is now django-prose-editor).

Text written before is plain text with a few marks: "## " a section heading, "### " a sub-heading,
"- " a list entry, "**bold**" inside a line, empty lines between paragraphs. It becomes <h2>, <h3>,
<ul><li><p>, <strong> and <p>; every character typed is escaped. Texts that already are HTML stay.
The converter is copied here (signing.minutes_pdf.text_to_html) so the migration never changes.
Backwards: the HTML stays (the renderer reads both).
"""

import re
from html import escape

from django.db import migrations

_HTML = re.compile(r"^\s*<[a-zA-Z!/]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(line):
    text = escape(" ".join(line.split()), quote=False)
    if line.count("**") % 2:
        return text
    return _BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>", text)


def text_to_html(text):
    if _HTML.match(text or ""):
        return text
    out, items = [], []

    def flush():
        if items:
            out.append("<ul>" + "".join(f"<li><p>{i}</p></li>" for i in items) + "</ul>")
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith(("# ", "## ")):
            flush()
            out.append(f"<h2>{_inline(line.split(' ', 1)[1].strip())}</h2>")
        elif line.startswith("### "):
            flush()
            out.append(f"<h3>{_inline(line[4:].strip())}</h3>")
        elif line.startswith(("- ", "* ", "+ ")):
            items.append(_inline(line[2:].strip()))
        else:
            flush()
            out.append(f"<p>{_inline(line)}</p>")
    flush()
    return "".join(out)


def forwards(apps, schema_editor):
    Minutes = apps.get_model("signing", "Minutes")
    for minutes in Minutes.objects.only("pk", "text").iterator():
        html = text_to_html(minutes.text)
        if html != minutes.text:
            Minutes.objects.filter(pk=minutes.pk).update(text=html)


class Migration(migrations.Migration):
    dependencies = [
        ('signing', '0004_model_names_in_vietnamese'),("signing", "0004_model_names_in_vietnamese")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
