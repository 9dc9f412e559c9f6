"""The search's text rules, the same for both engines: folding, the query's words, the snippet.

Folding is done in Python, on the indexed text and on the query alike, by the project's one
fold (`ecabinet.text.fold`, which the people lookups use too): the tone and vowel marks go,
"đ"/"Đ" becomes "d", and case goes. The engines then see plain lower-case words, so
"ngân sách", "NGÂN SÁCH" and "ngan sach" are one query on SQLite and on PostgreSQL, and the
snippet marks exactly the words the engine matched.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The fold lives in the core so that `User.search_name` (ecabinet) folds as the search does;
# re-exported here, where the search and its tests have always found it.
from ecabinet.text import WORD, fold, fold_text, fold_word

PHRASE = re.compile(r'"([^"]*)"')
MAX_QUERY_LENGTH = 200
MAX_WORDS = 12


@dataclass(frozen=True)
class Query:
    """A parsed query: every word must match; a quoted phrase must match as consecutive words."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self.words) | frozenset(w for p in self.phrases for w in p)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)


def parse_query(text: str) -> Query:
    """Words and "quoted phrases" of the query, folded; empty when nothing searchable is left."""
    text = unicodedata.normalize("NFC", (text or "")[:MAX_QUERY_LENGTH])
    phrases: list[tuple[str, ...]] = []
    for quoted in PHRASE.findall(text):
        words = tuple(fold(quoted).split())
        if len(words) == 1:
            phrases.append(words)
        elif words:
            phrases.append(words)
    rest = fold(PHRASE.sub(" ", text)).split()
    seen: list[str] = []
    for word in rest:
        if word not in seen:
            seen.append(word)
    budget = MAX_WORDS
    words = tuple(seen[:budget])
    budget -= len(words)
    kept: list[tuple[str, ...]] = []
    for phrase in phrases:
        if budget <= 0:
            break
        kept.append(phrase[:budget])
        budget -= len(phrase)
    return Query(words, tuple(kept))


def _matching_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    # A fold keeps the number of letters of a composed (NFC) Vietnamese word, so only words of
    # a term's length need folding.
    lengths = {len(t) for t in terms}
    return [(m.start(), m.end()) for m in WORD.finditer(text)
            if len(m.group()) in lengths and fold_word(m.group()) in terms]


def count_matches(text: str, query: Query) -> int:
    """How many of the query's words `text` has (to pick a document's page)."""
    return len(query.terms.intersection(WORD.findall(fold_text(text or ""))))


def highlight(text: str, query: Query, *, width: int = 220) -> SafeString:
    """An escaped excerpt of `text` around its first matching word, matching words in <mark>.

    The text is the original (with its diacritics); a word is marked when its fold is one of
    the query's terms, the same test the engine made on the folded copy."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not text:
        return mark_safe("")
    spans = _matching_spans(text, query.terms)
    start = 0
    if len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 4)
        # Begin at a word boundary, not in the middle of a word.
        while 0 < start < len(text) and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end].isspace() and end - start < width + 30:
        end += 1
    parts: list[str] = ["… " if start > 0 else ""]
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        parts.append(escape(text[pos:a]))
        parts.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    parts.append(escape(text[pos:end]))
    if end < len(text):
        parts.append(" …")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text went through escape()
