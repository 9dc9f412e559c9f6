"""Untrusted input, one rule per kind, shared by the API and the pages.

Numbers must fit a 64-bit column before any query sees them; dates and times must parse and stay
inside the years this system deals with, so date arithmetic (a week view, a time zone shift)
can never overflow. Uploaded file names are cleaned and cut in one place. Every refusal is a 400
naming the field.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date as django_parse_date
from django.utils.dateparse import parse_datetime as django_parse_datetime
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from ecabinet.errors import ActionError

BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)

# Meetings, deadlines and signatures are dated within these years; anything outside is a typo or
# an attack, and refusing it keeps every +/- a few days away from date.min and date.max.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

S = TypeVar("S", bound=BaseModel)

MAX_FILE_NAME = 255  # the CharField length of every stored original name


def field_error(field: str, message: str, *, code: str = "invalid") -> ActionError:
    """A 400 that names the field, like the API's own validation errors."""
    return ActionError(code, message, status=400, extra={"fields": [{"field": field, "message": message}]})


def _date_in_range(value: date) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


def _range_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


def _check_datetime(value: datetime) -> datetime:
    if not _date_in_range(value):
        raise ValueError(_range_message())
    return value.astimezone(UTC) if timezone.is_aware(value) else value


def _check_date(value: date) -> date:
    if not _date_in_range(value):
        raise ValueError(_range_message())
    return value


# Schema-layer types: pydantic refuses out-of-range values with the envelope 400 before a view runs.
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Int64 = Annotated[int, Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
# counts and offsets: far below the column limit, so offset + a page size cannot overflow either
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
DateTime = Annotated[datetime, AfterValidator(_check_datetime)]
Date = Annotated[date, AfterValidator(_check_date)]


def find_nul(data: object, field: str = "") -> str | None:
    """The field holding a NUL character, if any (PostgreSQL text cannot store one)."""
    if isinstance(data, str):
        return field if "\x00" in data else None
    items: Iterable[tuple[object, object]]
    if isinstance(data, dict):
        items = data.items()
    elif hasattr(data, "lists"):  # a QueryDict: every value of every key
        items = data.lists()
    elif isinstance(data, (list, tuple)):
        items = ((field, item) for item in data)
    else:
        return None
    for key, value in items:
        if isinstance(key, str) and "\x00" in key:
            return key
        found = find_nul(value, str(key) if not isinstance(data, (list, tuple)) else field)
        if found is not None:
            return found
    return None


def refuse_nul(data: object) -> None:
    field = find_nul(data)
    if field is not None:
        raise field_error(field or "body", _("Text may not contain NUL characters."))


def parse_int(value: object, field: str, *, minimum: int = BIGINT_MIN, maximum: int = BIGINT_MAX,
              code: str = "invalid") -> int | None:
    """A form or query number: empty is None; not a number or out of range is a 400 naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise field_error(field, _("%(field)s must be a number.") % {"field": field}, code=code) from None
    if not minimum <= number <= maximum:
        raise field_error(field, _("%(field)s is out of range.") % {"field": field}, code=code)
    return number


def whole_number(value: str | None, *, max_digits: int = 18) -> int | None:
    """A whole number typed by someone (a header, a hidden form field, a query), or None when it
    is not one. ASCII digits only: `str.isdigit()` accepts "²", which `int()` refuses."""
    value = (value or "").strip()
    if not value or not value.isascii() or not value.isdigit() or len(value) > max_digits:
        return None
    return int(value)


def parse_id(value: object, field: str) -> int | None:
    return parse_int(value, field, minimum=1)


def aware(value: datetime, field: str, *, code: str = "invalid") -> datetime:
    """Naive means local time; the date must be one this system deals with (no overflow later).
    Returned in UTC: an offset like +21:22 is valid Python but beyond what PostgreSQL stores."""
    if not _date_in_range(value):
        raise field_error(field, _range_message(), code=code)
    return (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(UTC)


def parse_datetime(value: str | datetime | None, field: str, *, required: bool = False,
                   code: str = "invalid") -> datetime | None:
    """An ISO date-time (a page's datetime-local or an API string), aware, in range. `12:99` is a 400."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(field, _("This field is required."))
        return None
    if isinstance(value, datetime):
        return aware(value, field, code=code)
    try:
        parsed = django_parse_datetime(str(value).strip())
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise field_error(field, _("Enter a date and time."), code=code)
    return aware(parsed, field, code=code)


def parse_date(value: str | date | None, field: str, *, required: bool = False) -> date | None:
    """An ISO date (YYYY-MM-DD) in range."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(field, _("This field is required."))
        return None
    if isinstance(value, date):
        parsed: date | None = value
    else:
        try:
            parsed = django_parse_date(str(value).strip())
        except (ValueError, OverflowError):
            parsed = None
    if parsed is None:
        raise field_error(field, _("Enter a date (YYYY-MM-DD)."))
    if not _date_in_range(parsed):
        raise field_error(field, _range_message(), code="out_of_range")
    return parsed


def parse_day_or_time(value: str | None, field: str) -> date | datetime | None:
    """A date, or a date and time (filters accept either)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if "T" in value or " " in value or len(value) > 10:
        return parse_datetime(value, field)
    try:
        return parse_date(value, field)
    except ActionError:
        raise field_error(field, _("Enter a date (YYYY-MM-DD) or a date and time.")) from None


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def clean_file_name(name: str | None, *, default: str = "", max_length: int = MAX_FILE_NAME) -> str:
    """A user's file name as stored and shown (never used as a path on disk: stored files are
    named by their hash): the last path part, without control characters, cut to `max_length`
    characters keeping a short extension. Vietnamese letters are kept; people recognise their file."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip() or default
    if len(base) <= max_length:
        return base
    stem, ext = os.path.splitext(base)
    if len(ext) > 10:  # not an extension worth keeping: cut the name as a whole
        stem, ext = base, ""
    return stem[: max_length - len(ext)] + ext


# --- one parser for a change, whether it comes from a page form or the API ---------------------

_MESSAGES_BY_ERROR_TYPE = {
    "missing": lambda ctx: _("This field is required."),
    "string_too_short": lambda ctx: _("This field is required.") if ctx.get("min_length") == 1
    else _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")},
    "string_too_long": lambda ctx: _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")},
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "bool_parsing": lambda ctx: _("Choose yes or no."),
    "greater_than_equal": lambda ctx: _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge")},
    "greater_than": lambda ctx: _("Enter a value above %(n)s.") % {"n": ctx.get("gt")},
    "less_than_equal": lambda ctx: _("Enter a value of at most %(n)s.") % {"n": ctx.get("le")},
    "less_than": lambda ctx: _("Enter a value below %(n)s.") % {"n": ctx.get("lt")},
    "date_from_datetime_parsing": lambda ctx: _("Enter a date (YYYY-MM-DD)."),
    "date_parsing": lambda ctx: _("Enter a date (YYYY-MM-DD)."),
    "datetime_parsing": lambda ctx: _("Enter a date and time."),
    "datetime_from_date_parsing": lambda ctx: _("Enter a date and time."),
    "enum": lambda ctx: _("Choose one of the offered values."),
    "literal_error": lambda ctx: _("Choose one of the offered values."),
    "list_type": lambda ctx: _("Enter a list of values."),
}


def validation_fields(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as `[{"field", "message"}]` in the user's language: the same words
    on a page and in the API's envelope. Our own validators raise translated `ValueError`s,
    whose text is kept."""
    fields = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "form")]
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        if kind == "value_error" and "error" in ctx:
            message = str(ctx["error"])
        elif kind in _MESSAGES_BY_ERROR_TYPE:
            message = str(_MESSAGES_BY_ERROR_TYPE[kind](ctx))
        else:
            message = _("This value is not valid.")
        fields.append({"field": ".".join(loc), "message": message})
    return fields


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, tuple, set):
        return True
    return any(_is_list(arg) for arg in get_args(annotation)) if get_origin(annotation) in (Union, UnionType) else False


def parse_input(schema: type[S], data: Mapping[str, Any]) -> S:
    """Parse a change with the schema its API endpoint uses. A form's `QueryDict` gives lists
    for list fields and the last value otherwise; empty optional fields count as absent.
    Refusal: a 400 `ActionError` naming each field, like the API's validation errors."""
    if isinstance(data, QueryDict):
        values: dict[str, Any] = {}
        for key in data:
            if key in ("csrfmiddlewaretoken", "next"):
                continue
            info = schema.model_fields.get(key)
            if info is not None and _is_list(info.annotation):
                values[key] = data.getlist(key)
            else:
                value = data.get(key)
                if value == "" and info is not None and not info.is_required():
                    continue
                values[key] = value
    else:
        values = dict(data)
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        raise ActionError("bad_request", _("The request is not valid."), status=400,
                          extra={"fields": validation_fields(exc.errors())}) from None
