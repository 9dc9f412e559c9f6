"""Personal notes and written-opinion endpoints (mounted by meetings/api/documents.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ecabinet.errors import ActionError
from meetings.actions import opinions as actions
from meetings.api.documents import check_content_length, form_int, multipart, uploaded_file
from meetings.delivery import deliver_generated_pdf
from meetings.models import OpinionAnswer, OpinionRound, PersonalNote
from meetings.opinion_report import summary_csv, summary_pdf
from meetings.serializers import iso

router = Router(tags=["notes and opinions"])


# ---- notes ---------------------------------------------------------------------------------

def note_dict(note: PersonalNote) -> dict[str, Any]:
    return {"id": note.pk, "meeting": note.meeting_id, "document": note.document_id, "page": note.page,
            "text": note.text, "created_at": iso(note.created_at), "updated_at": iso(note.updated_at)}


class NoteIn(Schema):
    text: str
    meeting: int | None = None
    document: int | None = None
    page: int | None = None


class NotePatch(Schema):
    text: str
    page: int | None = None


@router.get("/notes", summary="My personal notes (nobody else ever sees them)")
def list_notes(request: HttpRequest, meeting: int | None = None, document: int | None = None):
    notes = actions.notes_of(request.user)
    if meeting is not None:
        notes = notes.filter(meeting_id=meeting)
    if document is not None:
        notes = notes.filter(document_id=document)
    return {"notes": [note_dict(n) for n in notes[:1000]]}


@router.post("/notes", summary="Add a personal note on a meeting or a document page", response={201: dict})
def create_note(request: HttpRequest, payload: NoteIn):
    note = actions.do_save_note(actor=request.user, text=payload.text, meeting_id=payload.meeting,
                                document_id=payload.document, page=payload.page)
    return Status(201, note_dict(note))


@router.patch("/notes/{note_id}", summary="Edit one of my notes")
def update_note(request: HttpRequest, note_id: int, payload: NotePatch):
    return note_dict(actions.do_save_note(actor=request.user, text=payload.text, page=payload.page,
                                          note_id=note_id))


@router.delete("/notes/{note_id}", summary="Delete one of my notes", response={204: None})
def delete_note(request: HttpRequest, note_id: int):
    actions.do_delete_note(actor=request.user, note_id=note_id)
    return Status(204, None)


# ---- opinions ------------------------------------------------------------------------------

def answer_dict(answer: OpinionAnswer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"id": answer.pk, "user": answer.user_id, "choice": answer.choice, "comment": answer.comment,
            "attachment": answer.attachment_id, "answered_at": iso(answer.answered_at), "changes": answer.changes,
            # signed by the person answering (POST .../answer/sign); the PDF of the latest signature
            "signed": answer.signed_at is not None, "signed_at": iso(answer.signed_at),
            "signed_pdf": signed_pdf_url(answer)}


def signed_pdf_url(answer: OpinionAnswer) -> str | None:
    if answer.signed_at is None or answer.signed_document_id is None:
        return None
    return reverse("signing_answer_pdf", args=[answer.pk])


def round_dict(access: actions.RoundAccess) -> dict[str, Any]:
    rnd = access.round
    data = {
        "id": rnd.pk, "title": rnd.title, "question": rnd.question, "meeting": rnd.meeting_id,
        "unit": rnd.unit_id, "draft": rnd.draft_id, "deadline": iso(rnd.deadline), "status": rnd.status,
        "accepts_answers": rnd.accepts_answers, "created_by": rnd.created_by_id,
        "created_at": iso(rnd.created_at), "closed_at": iso(rnd.closed_at),
        "manages": access.manages, "asked": access.asked,
    }
    if access.asked:
        mine = OpinionAnswer.objects.filter(round=rnd, user_id=access.user_id).first()
        data["my_answer"] = answer_dict(mine)
    if access.manages:
        summary = actions.summary(rnd)
        data["tally"] = summary["tally"]
        data["not_answered"] = summary["not_answered"]
        data["recipients"] = [{
            "user": row["user"].pk, "username": row["user"].username, "full_name": row["user"].full_name,
            "unit": row["unit"], "answer": answer_dict(row["answer"]), "reminded_at": iso(row["reminded_at"]),
        } for row in summary["rows"]]
    return data


def _access(request: HttpRequest, round_id: int) -> actions.RoundAccess:
    return actions.round_access(request.user, round_id)


@router.get("/opinions", summary="Opinion rounds I run or am asked in")
def list_rounds(request: HttpRequest):
    rounds = actions.rounds_visible_to(request.user).order_by("-created_at")[:500]
    return {"rounds": [{"id": r.pk, "title": r.title, "status": r.status, "deadline": iso(r.deadline),
                        "meeting": r.meeting_id} for r in rounds]}


def _parse_deadline(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ActionError("bad_deadline", _("The deadline is not a valid date and time."))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


ROUND_FIELDS = {
    "file": {"type": "string", "format": "binary", "description": "the draft, PDF only"},
    "title": {"type": "string"}, "question": {"type": "string"},
    "deadline": {"type": "string", "format": "date-time"},
    "asked": {"type": "string", "description": "usernames, comma separated (or repeat the field)"},
    "meeting": {"type": "integer"}, "unit": {"type": "integer"},
}


def usernames_from(data) -> list[str]:
    names: list[str] = []
    for value in data.getlist("asked"):
        names.extend(part.strip() for part in value.replace("\n", ",").split(","))
    return [n for n in names if n]


@router.post("/opinions", summary="Send a draft for written opinions (multipart)", response={201: dict},
             openapi_extra=multipart(ROUND_FIELDS, ["file", "title", "question", "deadline", "asked"]))
def create_round(request: HttpRequest):
    check_content_length(request)
    data = request.POST
    rnd = actions.do_create_round(
        actor=request.user, title=data.get("title", ""), question=data.get("question", ""),
        deadline=_parse_deadline(data.get("deadline", "")), usernames=usernames_from(data),
        upload=uploaded_file(request), meeting_id=form_int(data, "meeting"), unit_id=form_int(data, "unit"),
    )
    return Status(201, round_dict(_access(request, rnd.pk)))


@router.get("/opinions/{round_id}", summary="A round: the question, my answer; the tally for the secretary")
def get_round(request: HttpRequest, round_id: int):
    return round_dict(_access(request, round_id))


ANSWER_FIELDS = {
    "choice": {"type": "string", "enum": ["agree", "disagree", "other"]},
    "comment": {"type": "string"},
    "file": {"type": "string", "format": "binary", "description": "optional attachment, PDF only"},
}


@router.post("/opinions/{round_id}/answer", summary="Answer (or change my answer) until the deadline",
             openapi_extra={"requestBody": {"content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": ANSWER_FIELDS,
                                                    "required": ["choice"]}},
                 "application/json": {"schema": {"type": "object", "properties": {
                     "choice": ANSWER_FIELDS["choice"], "comment": ANSWER_FIELDS["comment"]},
                     "required": ["choice"]}}}}})
def answer_round(request: HttpRequest, round_id: int):
    check_content_length(request)
    access = _access(request, round_id)
    if request.content_type == "application/json":
        import json

        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ActionError("bad_request", _("The request is not valid.")) from None
        if not isinstance(data, dict):
            raise ActionError("bad_request", _("The request is not valid."))
        upload = None
    else:
        data, upload = request.POST, uploaded_file(request)
    answer = actions.do_answer(access, actor=request.user, choice=str(data.get("choice", "")),
                               comment=str(data.get("comment", "") or ""), upload=upload)
    return answer_dict(answer)


@router.post("/opinions/{round_id}/remind", summary="Remind those who have not answered")
def remind_round(request: HttpRequest, round_id: int):
    return {"reminded": actions.do_remind(_access(request, round_id), actor=request.user)}


@router.post("/opinions/{round_id}/close", summary="Close the round")
def close_round(request: HttpRequest, round_id: int):
    access = _access(request, round_id)
    actions.do_close_round(access, actor=request.user)
    return round_dict(_access(request, round_id))


def export_response(request: HttpRequest, round_id: int, fmt: str) -> HttpResponse:
    access = actions.round_access(request.user, round_id)
    actions.require_manager(access)
    data = actions.summary(access.round)
    if fmt == "csv":
        actions.do_record_export(actor=request.user, rnd=access.round, fmt=fmt)
        response = HttpResponse(summary_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="opinion-{round_id}.csv"'
        return response
    rnd: OpinionRound = access.round
    body = rnd.unit.name if rnd.unit_id else (rnd.meeting.unit.name if rnd.meeting_id and rnd.meeting.unit_id
                                              else (request.user.unit.name if request.user.unit_id else ""))
    pdf = summary_pdf(data, issuing_body=body, now=timezone.now())
    # the PDF's export row is the delivery's audit row (same action, with the SHA-256 sent)
    return deliver_generated_pdf(request, pdf, filename=f"opinion-{round_id}.pdf", obj=rnd,
                                 action="opinion.export", details={"format": fmt})


@router.get("/opinions/{round_id}/export.csv", summary="Summary as CSV (UTF-8 with BOM)", response={200: None})
def export_csv(request: HttpRequest, round_id: int):
    return export_response(request, round_id, "csv")


@router.get("/opinions/{round_id}/report.pdf", summary="Summary as a PDF report", response={200: None})
def export_pdf(request: HttpRequest, round_id: int):
    return export_response(request, round_id, "pdf")
