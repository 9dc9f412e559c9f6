"""Keeping the index in step: every save or delete of a searched thing, by whichever action,
re-indexes that thing once its transaction commits (the index is derived data, so one place
watching the models cannot be forgotten by a new action). Saves that change nothing searched
(a meeting's status, a document's readers) are skipped; access is joined live at search time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

# The fields each model's index rows are made of; a save naming none of them is skipped.
SEARCHED = {
    "Meeting": {"title", "description", "location"},
    "AgendaItem": {"title", "conclusion"},
    "Document": {"title", "meeting", "meeting_id"},
    "OpinionRound": {"title", "question", "meeting", "meeting_id"},
    "RoomState": {"conclusion"},
}


def _later(func: Callable[[int], None], pk: int) -> None:
    transaction.on_commit(lambda: func(pk), robust=True)


def _changed(sender: Any, update_fields: Any) -> bool:
    return update_fields is None or bool(SEARCHED.get(sender.__name__, set()) & set(update_fields))


def _on_save(sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw") or not _changed(sender, update_fields):
        return
    from meetings import search

    name = sender.__name__
    if name == "Meeting":
        _later(search.index_meeting, instance.pk)
    elif name == "RoomState":
        _later(search.index_meeting, instance.meeting_id)
    elif name == "AgendaItem":
        _later(search.index_item, instance.pk)
    elif name == "Document":
        _later(search.index_document, instance.pk)
    elif name == "OpinionRound":
        _later(search.index_round, instance.pk)


def _on_version(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if kwargs.get("raw") or not created:
        return
    from meetings.search.tasks import index_document_text

    document_id = instance.document_id
    transaction.on_commit(lambda: index_document_text(document_id), robust=True)


def _on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    from meetings import search

    name = sender.__name__
    if name == "Document":
        _later(search.remove_document, instance.pk)
    elif name == "OpinionRound":
        _later(search.remove_round, instance.pk)
    elif name == "AgendaItem":
        _later(search.index_item, instance.pk)
    elif name == "Meeting":
        _later(search.index_meeting, instance.pk)


def connect() -> None:
    from meetings.models import (
        AgendaItem,
        Document,
        DocumentVersion,
        Meeting,
        OpinionRound,
        RoomState,
    )

    for model in (Meeting, AgendaItem, Document, OpinionRound, RoomState):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"search-save-{model.__name__}")
    for model in (Meeting, AgendaItem, Document, OpinionRound):
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
    post_save.connect(_on_version, sender=DocumentVersion, dispatch_uid="search-version")
