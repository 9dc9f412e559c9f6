"""The to-do's documents to sign (meetings/selectors_todo.py), registered in SigningConfig.ready:
signing may import meetings, so the registry is how the home page and the menu reach it."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecabinet.models import User
from meetings.selectors_todo import TodoItem, TodoKind, register
from signing.access import entries_to_sign


def _items(user: User, limit: int) -> list[TodoItem]:
    rows = (entries_to_sign(user).select_related("request__document")
            .order_by(F("request__due").asc(nulls_last=True), "request_id")[:limit])
    now = timezone.now()
    items = []
    for entry in rows:
        due = entry.request.due
        note = (_("Due %(when)s") % {"when": timezone.localtime(due).strftime("%H:%M %d/%m/%Y")} if due
                else _("No deadline"))
        items.append(TodoItem(title=entry.request.document.title,
                              url=reverse("signing_request_detail", args=[entry.request_id]), note=note,
                              overdue=due is not None and due < now, testid=f"todo-sign-{entry.request_id}"))
    return items


def register_todo() -> None:
    register(TodoKind("signing", gettext_lazy("Documents to sign"), 20, entries_to_sign, _items, "signing_home"))
