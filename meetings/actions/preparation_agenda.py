"""Agenda actions. Every write carries the agenda_version the writer saw: two secretaries editing
at once never lose a change silently, the second gets a 409 with the agenda as it now is."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError, NotFoundError
from ecabinet.models import Unit, User
from ecabinet.text import require_one_line
from meetings.access import require_runner
from meetings.actions.preparation import field_error, locked_access, require_open
from meetings.events import emit
from meetings.models import AgendaItem, Meeting
from meetings.serializers import serialize_agenda_item, serialize_meeting

MAX_DURATION = 24 * 60


def agenda_state(meeting: Meeting) -> dict:
    items = meeting.agenda_items.all()
    return {"agenda": [serialize_agenda_item(i) for i in items], "agenda_version": meeting.agenda_version}


def _runner_meeting(meeting_id: int, actor: User, agenda_version: int | None) -> Meeting:
    access = locked_access(actor, meeting_id)
    require_runner(access)
    meeting = access.meeting
    require_open(meeting)
    if agenda_version is not None and agenda_version != meeting.agenda_version:
        raise ConflictError(
            "agenda_conflict",
            _("Someone else changed the agenda meanwhile. Here is the agenda as it is now; "
              "make your change again."),
            extra=agenda_state(meeting),
        )
    return meeting


def _bump(meeting: Meeting) -> None:
    meeting.agenda_version += 1
    meeting.save(update_fields=["agenda_version"])
    emit(meeting, "meeting.updated", {"meeting": serialize_meeting(meeting)})


def _clean(title: str | None, duration_minutes: int | None) -> None:
    if title is not None and not title.strip():
        raise field_error("title", _("Enter a title."))
    require_one_line(title)
    if duration_minutes is not None and not (0 <= duration_minutes <= MAX_DURATION):
        raise field_error("duration_minutes", _("The planned duration must be between 0 and 1440 minutes."))


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise NotFoundError(_("Agenda item not found."))
    return item


@transaction.atomic
def do_add_agenda_item(
    meeting_id: int, *, actor: User, title: str, presenter: User | None = None,
    presenting_unit: Unit | None = None, duration_minutes: int = 0, agenda_version: int | None = None,
) -> AgendaItem:
    """Append an item. Without `agenda_version` it still appends safely (no one's change is lost)."""
    meeting = _runner_meeting(meeting_id, actor, agenda_version)
    _clean(title, duration_minutes)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, position=last + 1, title=title.strip(), presenter=presenter,
        presenting_unit=presenting_unit if presenting_unit is not None else (presenter.unit if presenter else None),
        duration_minutes=duration_minutes or 0,
    )
    emit(meeting, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
    _bump(meeting)
    record_audit(actor=actor, action="agenda_item.add", obj=item, details={"meeting": meeting.pk, "title": item.title})
    return item


@transaction.atomic
def do_update_agenda_item(
    meeting_id: int, item_id: int, *, actor: User, agenda_version: int, **changes,
) -> AgendaItem:
    meeting = _runner_meeting(meeting_id, actor, agenda_version)
    item = _item(meeting, item_id)
    allowed = {"title", "presenter", "presenting_unit", "duration_minutes"}
    unknown = set(changes) - allowed
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be changed."))
    _clean(changes.get("title"), changes.get("duration_minutes"))
    changed = [name for name, value in changes.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, changes[name].strip() if name == "title" else changes[name])
    if changed:
        item.save(update_fields=changed)
        emit(meeting, "agenda_item.upserted", {"agenda_item": serialize_agenda_item(item)})
        _bump(meeting)
        record_audit(actor=actor, action="agenda_item.update", obj=item, details={"fields": changed})
    return item


@transaction.atomic
def do_remove_agenda_item(meeting_id: int, item_id: int, *, actor: User, agenda_version: int) -> None:
    meeting = _runner_meeting(meeting_id, actor, agenda_version)
    item = _item(meeting, item_id)
    if meeting.current_item_id == item.pk:
        raise ConflictError("item_is_current", _("The item under discussion cannot be removed."))
    record_audit(actor=actor, action="agenda_item.remove", obj=item, details={"meeting": meeting.pk, "title": item.title})
    pk = item.pk
    item.delete()
    emit(meeting, "agenda_item.removed", {"id": pk})
    _bump(meeting)


@transaction.atomic
def do_reorder_agenda(meeting_id: int, *, actor: User, order: list[int], agenda_version: int) -> list[AgendaItem]:
    """Put the items in `order` (every item id exactly once); positions become 1..n."""
    meeting = _runner_meeting(meeting_id, actor, agenda_version)
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


def do_move_agenda_item(meeting_id: int, item_id: int, *, actor: User, agenda_version: int, step: int) -> None:
    """One place up (-1) or down (+1): the page's buttons for people without drag and drop."""
    with transaction.atomic():
        meeting = _runner_meeting(meeting_id, actor, agenda_version)
        order = list(meeting.agenda_items.values_list("pk", flat=True))
        if item_id not in order:
            raise NotFoundError(_("Agenda item not found."))
        index = order.index(item_id)
        target = index + step
        if 0 <= target < len(order):
            order[index], order[target] = order[target], order[index]
            do_reorder_agenda(meeting_id, actor=actor, order=order, agenda_version=agenda_version)
