"""The agenda: one set of actions for the preparation page, the API and the live room.

Which meeting states allow which change (what a secretary expects):
- add, edit, remove, reorder: while the meeting is open (draft, scheduled, in progress); an
  ended or cancelled meeting's agenda is the record of what was discussed and stays as it is.
- postpone: only in progress (postponing is a decision taken in the room).

A writer may send the `agenda_version` it saw (the preparation page always does): if someone
else changed the agenda meanwhile, the change is refused with a 409 carrying the agenda as it
now is, so two secretaries editing at once never lose a change silently. The live room sends
none: it works on the live state and its changes are small and immediate.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError, NotFoundError
from ecabinet.inputs import field_error
from ecabinet.models import Unit, User
from ecabinet.text import require_one_line
from meetings.access import lock_meeting, require_runner
from meetings.events import emit
from meetings.models import AgendaItem, Meeting
from meetings.serializers import serialize_agenda_item, serialize_meeting

MAX_TITLE = 500  # AgendaItem.title's column
MAX_DURATION = 24 * 60

OPEN_STATUSES = (Meeting.Status.DRAFT, Meeting.Status.SCHEDULED, Meeting.Status.IN_PROGRESS)
IN_PROGRESS = (Meeting.Status.IN_PROGRESS,)


def agenda_state(meeting: Meeting) -> dict[str, Any]:
    items = meeting.agenda_items.all()
    return {"agenda": [serialize_agenda_item(i) for i in items], "agenda_version": meeting.agenda_version}


def _lock_agenda(meeting: Meeting, *, actor: User, agenda_version: int | None,
                 statuses: tuple[str, ...] = OPEN_STATUSES) -> Meeting:
    """The meeting locked for this change, after the runner, status and version checks."""
    access = lock_meeting(meeting, actor=actor)
    require_runner(access)
    meeting = access.meeting
    if statuses == IN_PROGRESS and meeting.status != Meeting.Status.IN_PROGRESS:
        raise ConflictError("not_in_progress", _("The meeting is not in progress."))
    if meeting.status not in statuses:
        raise ConflictError(
            f"meeting_{meeting.status}",
            _("This meeting is %(status)s and can no longer be changed.") % {"status": meeting.get_status_display()},
        )
    if agenda_version is not None and agenda_version != meeting.agenda_version:
        raise ConflictError(
            "agenda_conflict",
            _("Someone else changed the agenda meanwhile. Here is the agenda as it is now; "
              "make your change again."),
            extra=agenda_state(meeting),
        )
    return meeting


def _locked_item(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    """The item re-read under the meeting's lock (it may have been removed meanwhile)."""
    locked = meeting.agenda_items.filter(pk=item.pk).first()
    if locked is None:
        raise NotFoundError(_("Agenda item not found."))
    return locked


def _bump(meeting: Meeting) -> None:
    meeting.agenda_version += 1
    meeting.save(update_fields=["agenda_version"])
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise field_error("title", _("Enter a title."))
    if len(title) > MAX_TITLE:
        raise field_error("title", _("The title may have at most 500 characters."))
    require_one_line(title)
    return title


def _clean_duration(minutes: int | None) -> int:
    if minutes is None:
        return 0
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_DURATION:
        raise field_error("duration_minutes", _("The planned duration must be between 0 and 1440 minutes."))
    return minutes


@transaction.atomic(durable=True)
def do_add_agenda_item(
    meeting: Meeting, *, actor: User, title: str, presenter: User | None = None,
    presenting_unit: Unit | None = None, duration_minutes: int | None = 0, agenda_version: int | None = None,
) -> AgendaItem:
    """Append an item. Without `agenda_version` it still appends safely (no one's change is lost)."""
    meeting = _lock_agenda(meeting, actor=actor, agenda_version=agenda_version)
    title = _clean_title(title)
    duration = _clean_duration(duration_minutes)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, position=last + 1, title=title, presenter=presenter,
        presenting_unit=presenting_unit if presenting_unit is not None else (presenter.unit if presenter else None),
        duration_minutes=duration,
    )
    emit(meeting, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
    _bump(meeting)
    record_audit(actor=actor, action="agenda_item.add", obj=item, details={"meeting": meeting.pk, "title": item.title})
    return item


_UNSET: Any = object()


@transaction.atomic(durable=True)
def do_update_agenda_item(
    item: AgendaItem, *, actor: User, agenda_version: int | None = None, title: str | None = _UNSET,
    presenter: User | None = _UNSET, presenting_unit: Unit | None = _UNSET, duration_minutes: int | None = _UNSET,
) -> AgendaItem:
    """Change the given fields; those not passed stay as they are, and so do a title or a
    duration given as None (the room's edit sends only what changed). A presenter or presenting
    unit given as None is removed."""
    meeting = _lock_agenda(item.meeting, actor=actor, agenda_version=agenda_version)
    item = _locked_item(meeting, item)
    changes: dict[str, Any] = {}
    if title is not _UNSET and title is not None:
        changes["title"] = _clean_title(title)
    if duration_minutes is not _UNSET and duration_minutes is not None:
        changes["duration_minutes"] = _clean_duration(duration_minutes)
    if presenter is not _UNSET:
        changes["presenter"] = presenter
    if presenting_unit is not _UNSET:
        changes["presenting_unit"] = presenting_unit
    changed = [name for name, value in changes.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, changes[name])
    if changed:
        item.save(update_fields=changed)
        emit(meeting, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
        _bump(meeting)
        record_audit(actor=actor, action="agenda_item.update", obj=item, details={"fields": changed})
    return item


@transaction.atomic(durable=True)
def do_remove_agenda_item(item: AgendaItem, *, actor: User, agenda_version: int | None = None) -> None:
    meeting = _lock_agenda(item.meeting, actor=actor, agenda_version=agenda_version)
    item = _locked_item(meeting, item)
    if meeting.current_item_id == item.pk:
        raise ConflictError("item_is_current", _("The item under discussion cannot be removed."))
    record_audit(actor=actor, action="agenda_item.remove", obj=item, details={"meeting": meeting.pk, "title": item.title})
    pk = item.pk
    item.delete()
    emit(meeting, "agenda_item.removed", {"id": pk})
    _bump(meeting)


def _reorder(meeting: Meeting, order: list[int], *, actor: User) -> list[AgendaItem]:
    items = {i.pk: i for i in meeting.agenda_items.all()}
    if len(order) != len(set(order)) or set(order) != set(items):
        raise field_error("order", _("The new order must list every agenda item exactly once."))
    changed = []
    for position, pk in enumerate(order, start=1):
        if items[pk].position != position:
            items[pk].position = position
            changed.append(items[pk])
    AgendaItem.objects.bulk_update(changed, ["position"])
    emit(meeting, "agenda.reordered", {"order": list(order)})
    _bump(meeting)
    record_audit(actor=actor, action="agenda.reorder", obj=meeting, details={"order": list(order)})
    return [items[pk] for pk in order]


@transaction.atomic(durable=True)
def do_reorder_agenda(meeting: Meeting, *, actor: User, order: list[int],
                      agenda_version: int | None = None) -> list[AgendaItem]:
    """Put the items in `order` (every item id exactly once); positions become 1..n."""
    meeting = _lock_agenda(meeting, actor=actor, agenda_version=agenda_version)
    return _reorder(meeting, order, actor=actor)


@transaction.atomic(durable=True)
def do_move_agenda_item(item: AgendaItem, *, actor: User, step: int, agenda_version: int | None = None) -> None:
    """One place up (-1) or down (+1): the page's buttons for people without drag and drop."""
    meeting = _lock_agenda(item.meeting, actor=actor, agenda_version=agenda_version)
    item = _locked_item(meeting, item)
    order = list(meeting.agenda_items.values_list("pk", flat=True))
    index = order.index(item.pk)
    target = index + step
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        _reorder(meeting, order, actor=actor)


@transaction.atomic(durable=True)
def do_postpone_agenda_item(item: AgendaItem, *, actor: User) -> AgendaItem:
    """Take an item off today's discussion (it stays on the agenda, marked postponed)."""
    meeting = _lock_agenda(item.meeting, actor=actor, agenda_version=None, statuses=IN_PROGRESS)
    item = _locked_item(meeting, item)
    if item.status == AgendaItem.Status.DONE:
        raise ConflictError("bad_status", _("A finished item cannot be postponed."))
    item.status, item.ended_at = AgendaItem.Status.POSTPONED, None
    item.save(update_fields=["status", "ended_at"])
    emit(meeting, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
    if meeting.current_item_id == item.pk:
        meeting.current_item = None
        meeting.save(update_fields=["current_item"])
        emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})
    _bump(meeting)
    record_audit(actor=actor, action="agenda.postpone", obj=item)
    return item
