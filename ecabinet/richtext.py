"""The one rich-text format of the papers: a small, sanitized HTML subset.

The minutes, the conclusion notice and other papers are edited in the browser's rich-text editor
(django-prose-editor) and stored as HTML that ``sanitize`` has passed; the PDF renderer
(``ecabinet.paper``) and the preview draw exactly these elements, nothing else. Text generated
by the app is built with ``escape`` so no user-typed text becomes markup.
"""

from __future__ import annotations

from html import escape as _escape
from html import unescape

import nh3

# What the editor produces and the PDF renderer knows how to draw.
ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "u", "h2", "h3", "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize(html: str) -> str:
    """Keep the allowed elements, drop every attribute but table spans, scripts, styles and links."""
    return nh3.clean(html or "", tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=set(), link_rel=None, strip_comments=True).strip()


def escape(text: str) -> str:
    """User-entered text inside generated HTML: one line of escaped text."""
    return _escape(" ".join((text or "").split()), quote=False)


def plain_text(html: str) -> str:
    """The text of sanitized HTML, for search and length checks."""
    return unescape(nh3.clean(html or "", tags=set())).strip()
