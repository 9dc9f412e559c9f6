"""Text rules shared by every app.

One-line text: titles end up in e-mail subjects, where a line break is refused by the mail
library (the invitation silently never leaves) or, worse, read as a new header.

Folding: Unicode decomposition drops the tone and vowel marks, "đ"/"Đ" (a letter of its own,
which neither SQLite's `remove_diacritics` nor every `unaccent` table folds) becomes "d", and
case goes. It is done in Python, on what is stored and on what is asked alike, so "Nguyễn",
"NGUYỄN" and "nguyen" are one question on SQLite and on PostgreSQL: the search
(meetings/search/text.py) and the people lookups (`User.search_name`) use this one fold.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

from ecabinet.errors import ActionError

# C0 and C1 control characters (line breaks and tabs included) and the Unicode line and
# paragraph separators.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def require_one_line(value: str | None, *, field: str = "title") -> None:
    """Refuse (400, naming the field) a typed title that holds a line break or another control
    character. Call it in the action, so the page and the API refuse alike."""
    if value and CONTROL_CHARACTERS.search(value.strip()):
        message = _("A title must fit on one line: line breaks, tabs and other control characters are not allowed.")
        raise ActionError("invalid", message, extra={"fields": [{"field": field, "message": message}]})


def as_one_line(value: str) -> str:
    """A title derived from something nobody typed as a title (an uploaded file's name):
    control characters become spaces."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", value).split())


WORD = re.compile(r"\w+")


def _fold_table() -> dict[int, str | None]:
    """Every marked letter of the Latin blocks (Vietnamese lives in Latin Extended Additional)
    to its bare letter, "đ"/"Đ" to "d"/"D", combining marks removed: folding as one C-level
    `str.translate`, fast enough to fold every page of a result page."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x2000):
        char = chr(code)
        if unicodedata.combining(char):
            table[code] = None
            continue
        bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if bare and bare != char:
            table[code] = bare
    return table


_TABLE = _fold_table()


def fold_text(text: str) -> str:
    """`text` without marks and case, words where they were (other scripts' marks too)."""
    folded = text.translate(_TABLE)
    if not folded.isascii():
        folded = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    return folded.casefold()


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """One word folded: "Đồng" -> "dong" (cached: a language's syllables are a few thousand)."""
    return fold_text(word)


def fold(text: str) -> str:
    """The words of `text`, folded, one space apart: what the search engines index and match,
    and what a people lookup compares."""
    return " ".join(WORD.findall(fold_text(text or "")))


# Between the folded name and the folded username in `User.search_name`: a folded question holds
# only words and single spaces, so it never matches across it ("an an" is not "Văn An" + "an.le").
SEARCH_NAME_SEPARATOR = " | "


def person_search_name(full_name: str, username: str) -> str:
    """What a people lookup matches a person on (`User.search_name`): their full name and
    username, folded ("Đặng Văn An", "an.dang" -> "dang van an | an dang")."""
    return f"{fold(full_name)}{SEARCH_NAME_SEPARATOR}{fold(username)}"
