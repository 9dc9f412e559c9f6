"""Personal notes and written-opinion endpoints (mounted by meetings/api/documents.py)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from ecabinet.api_docs import file_response
from ecabinet.errors import ActionError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id, parse_input, refuse_nul
from meetings.access import (
    RoundAccess,
    document_for_reader,
    meeting_access,
    notes_of,
    opinion_unit,
    own_note,
    require_manager,
    round_access,
    rounds_visible_to,
)
from meetings.actions import notes as note_actions
from meetings.actions import opinions as actions
from meetings.api.documents import check_content_length, uploaded_file
from meetings.delivery import deliver_generated_pdf
from meetings.models import OpinionAnswer, OpinionRound, PersonalNote
from meetings.opinion_report import summary_csv, summary_pdf
from meetings.schemas import (
    AnswerIn,
    NoteIn,
    NoteListOut,
    NoteOut,
    NotePatch,
    OpinionAnswerOut,
    OpinionRoundIn,
    OpinionRoundListOut,
    OpinionRoundOut,
    RemindedOut,
    multipart_body,
)
from meetings.serializers import iso

router: Router = Router(tags=["notes and opinions"])


# ---- notes ---------------------------------------------------------------------------------

def note_dict(note: PersonalNote) -> dict[str, Any]:
    return {"id": note.pk, "meeting": note.meeting_id, "document": note.document_id, "page": note.page,
            "text": note.text, "created_at": iso(note.created_at), "updated_at": iso(note.updated_at)}


def add_note(request: AuthenticatedHttpRequest, data: NoteIn) -> PersonalNote:
    """The page's and the API's new note: the meeting and the document as the user may see them."""
    return note_actions.do_add_note(
        actor=request.user, text=data.text, page=data.page,
        meeting=meeting_access(request.user, data.meeting).meeting if data.meeting is not None else None,
        document=document_for_reader(request.user, data.document) if data.document is not None else None,
    )


@router.get("/notes", response=NoteListOut, summary="My personal notes (nobody else ever sees them)")
def list_notes(request: AuthenticatedHttpRequest, meeting: Id | None = None, document: Id | None = None):
    notes = notes_of(request.user)
    if meeting is not None:
        notes = notes.filter(meeting_id=meeting)
    if document is not None:
        notes = notes.filter(document_id=document)
    return {"notes": [note_dict(n) for n in notes[:1000]]}


@router.post("/notes", summary="Add a personal note on a meeting or a document page", response={201: NoteOut})
def create_note(request: AuthenticatedHttpRequest, payload: NoteIn):
    return Status(201, note_dict(add_note(request, payload)))


@router.patch("/notes/{note_id}", response=NoteOut, summary="Edit one of my notes")
def update_note(request: AuthenticatedHttpRequest, note_id: Id, payload: NotePatch):
    note = note_actions.do_edit_note(own_note(request.user, note_id), actor=request.user, text=payload.text,
                                     page=payload.page)
    return note_dict(note)


@router.delete("/notes/{note_id}", summary="Delete one of my notes", response={204: None})
def delete_note(request: AuthenticatedHttpRequest, note_id: Id):
    note_actions.do_delete_note(own_note(request.user, note_id), actor=request.user)
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


def round_dict(access: RoundAccess) -> dict[str, Any]:
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


def _access(request: AuthenticatedHttpRequest, round_id: int) -> RoundAccess:
    return round_access(request.user, round_id)


@router.get("/opinions", response=OpinionRoundListOut, summary="Opinion rounds I run or am asked in")
def list_rounds(request: AuthenticatedHttpRequest):
    rounds = rounds_visible_to(request.user).order_by("-created_at")[:500]
    return {"rounds": [{"id": r.pk, "title": r.title, "status": r.status, "deadline": iso(r.deadline),
                        "meeting": r.meeting_id} for r in rounds]}


def create_opinion_round(request: AuthenticatedHttpRequest) -> OpinionRound:
    """The page's and the API's "send a draft": one parser, the meeting or unit resolved for the user."""
    check_content_length(request)
    data = parse_input(OpinionRoundIn, request.POST)
    meeting = meeting_access(request.user, data.meeting).meeting if data.meeting is not None else None
    unit = opinion_unit(request.user, data.unit) if meeting is None else None
    return actions.do_create_round(
        actor=request.user, meeting=meeting, unit=unit, title=data.title, question=data.question,
        deadline=data.deadline_at(), usernames=data.asked, upload=uploaded_file(request),
    )


@router.post("/opinions", summary="Send a draft for written opinions (multipart)", response={201: OpinionRoundOut}, exclude_unset=True,
             openapi_extra=multipart_body(OpinionRoundIn, {"file": "the draft, PDF only"},
                                          ["file", "title", "question", "deadline", "asked"]))
def create_round(request: AuthenticatedHttpRequest) -> Status:
    rnd = create_opinion_round(request)
    return Status(201, round_dict(_access(request, rnd.pk)))


@router.get("/opinions/{round_id}", response=OpinionRoundOut, exclude_unset=True, summary="A round: the question, my answer; the tally for the secretary")
def get_round(request: AuthenticatedHttpRequest, round_id: Id):
    return round_dict(_access(request, round_id))


def answer_round_from(request: AuthenticatedHttpRequest, round_id: int, data: AnswerIn | None = None) -> OpinionAnswer:
    """The page's and the API's answer: the form (with an optional attachment) or a JSON body."""
    check_content_length(request)
    upload = None
    if data is None:
        data, upload = parse_input(AnswerIn, request.POST), uploaded_file(request)
    rnd = _access(request, round_id).round
    return actions.do_answer(rnd, actor=request.user, choice=data.choice, comment=data.comment, upload=upload)


ANSWER_BODY = multipart_body(AnswerIn, {"file": "optional attachment, PDF only"}, ["choice"])
ANSWER_BODY["requestBody"]["content"]["application/json"] = {"schema": AnswerIn.model_json_schema()}


@router.post("/opinions/{round_id}/answer", response=OpinionAnswerOut, summary="Answer (or change my answer) until the deadline",
             openapi_extra=ANSWER_BODY)
def answer_round(request: AuthenticatedHttpRequest, round_id: Id) -> dict[str, Any] | None:
    data = None
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ActionError("bad_request", _("The request is not valid.")) from None
        if not isinstance(body, dict):
            raise ActionError("bad_request", _("The request is not valid."))
        refuse_nul(body)
        data = parse_input(AnswerIn, body)
    return answer_dict(answer_round_from(request, round_id, data))


@router.post("/opinions/{round_id}/remind", response=RemindedOut, summary="Remind those who have not answered")
def remind_round(request: AuthenticatedHttpRequest, round_id: Id):
    return {"reminded": actions.do_remind(_access(request, round_id).round, actor=request.user)}


@router.post("/opinions/{round_id}/close", response=OpinionRoundOut, exclude_unset=True, summary="Close the round")
def close_round(request: AuthenticatedHttpRequest, round_id: Id):
    actions.do_close_round(_access(request, round_id).round, actor=request.user)
    return round_dict(_access(request, round_id))


def export_response(request: AuthenticatedHttpRequest, round_id: int, fmt: str) -> HttpResponse:
    access = round_access(request.user, round_id)
    require_manager(access)
    data = actions.summary(access.round)
    if fmt == "csv":
        actions.do_record_export(access.round, actor=request.user, fmt=fmt)
        response = HttpResponse(summary_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="opinion-{round_id}.csv"'
        return response
    rnd: OpinionRound = access.round
    unit = rnd.unit or (rnd.meeting.unit if rnd.meeting is not None else None) or request.user.unit
    body = unit.name if unit is not None else ""
    pdf = summary_pdf(data, issuing_body=body, now=timezone.now())
    # the PDF's export row is the delivery's audit row (same action, with the SHA-256 sent)
    return deliver_generated_pdf(request, pdf, filename=f"opinion-{round_id}.pdf", obj=rnd,
                                 action="opinion.export", details={"format": fmt})


@router.get("/opinions/{round_id}/export.csv", summary="Summary as CSV (UTF-8 with BOM)", response={200: None},
            openapi_extra=file_response("text/csv", "The summary as CSV"))
def export_csv(request: AuthenticatedHttpRequest, round_id: Id):
    return export_response(request, round_id, "csv")


@router.get("/opinions/{round_id}/report.pdf", summary="Summary as a PDF report", response={200: None},
            openapi_extra=file_response("application/pdf", "The summary as a PDF report"))
def export_pdf(request: AuthenticatedHttpRequest, round_id: Id):
    return export_response(request, round_id, "pdf")
