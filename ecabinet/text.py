"""One-line text: titles end up in e-mail subjects, where a line break is refused by the mail
library (the invitation silently never leaves) or, worse, read as a new header."""

from __future__ import annotations

import re

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
