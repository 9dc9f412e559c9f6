"""Numbers from the document register (sổ đăng ký văn bản): ``12/BB-UBND``, ``05/TB-STC``.

A number is given when the paper is issued, inside the issuing action's transaction: the counter
row of (unit, kind, year) is locked, the next sequence taken, the register line written. A rolled
back issue gives its number back; the unique constraint refuses a duplicate even if two issues
raced past the lock.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ecabinet.models import RegisterEntry, Unit, User

LOCAL_TZ = "Asia/Ho_Chi_Minh"


def unit_abbreviation(unit: Unit) -> str:
    """The unit's abbreviation in numbers: set by the administrator, else derived from its name
    ("Ủy ban nhân dân tỉnh An Phước" → "UBND", "Sở Tài chính" → "STC")."""
    if unit.abbreviation.strip():
        return unit.abbreviation.strip()
    if unit.kind in (Unit.Kind.COMMITTEE, Unit.Kind.DISTRICT, Unit.Kind.COMMUNE, Unit.Kind.WARD):
        return "UBND"
    base = unicodedata.normalize("NFD", unit.name.replace("Đ", "D").replace("đ", "d"))
    base = "".join(c for c in base if not unicodedata.combining(c))
    letters = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", base))
    return letters.upper()[:20] or "CQ"


def format_number(seq: int, kind: str, unit: Unit) -> str:
    # Numbers below 10 take a leading zero (Decree 30, appendix I: "Số: 05/TB-UBND").
    return f"{seq:02d}/{kind}-{unit_abbreviation(unit)}"


def issue_number(*, unit: Unit, kind: str, actor: User, title: str,
                 at: datetime | None = None) -> RegisterEntry:
    """Take the next number of `unit`'s register for `kind` this year. Call inside the issuing
    action's transaction (the register line is part of the same change)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issue_number must run inside the issuing action's transaction")
    at = at or timezone.now()
    year = timezone.localtime(at).year
    # Locking the unit row serialises issues of one unit on every database (SQLite locks the file).
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    last = (RegisterEntry.objects.filter(unit=unit, kind=kind, year=year).aggregate(m=Max("seq"))["m"] or 0)
    seq = last + 1
    return RegisterEntry.objects.create(
        unit=unit, kind=kind, year=year, seq=seq, number=format_number(seq, kind, unit),
        title=" ".join(title.split())[:500], issued_at=at, issued_by=actor,
    )
