"""Documents pages: a meeting's documents (upload with progress, approve, readers, versions),
one document (the PDF.js viewer of the watermarked copy, my notes on its pages), and "My notes".

Refusals propagate to `ecabinet.refusals` (RefusalMiddleware): a 404 page for what the user may
not see, the error page for 403/413/415, the message and a redirect back after a refused form,
the JSON envelope for the upload script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from ecabinet.errors import ActionError, PermissionDeniedError
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import parse_id, parse_input
from ecabinet.redirects import safe_next
from ecabinet.refusals import FormPage, refusal_response, wants_json
from meetings.access import (
    MeetingAccess,
    document_for_reader,
    document_types_for,
    documents_visible_to,
    may_edit_document,
    may_manage_document_types,
    may_receive_original,
    meeting_access,
    meeting_document,
    meeting_permissions,
    notes_of,
    own_note,
    upload_item_ids,
)
from meetings.actions import documents as actions
from meetings.actions import notes as note_actions
from meetings.api.documents import add_meeting_document, replace_meeting_document
from meetings.api.opinions import add_note, note_dict
from meetings.delivery import copy_notice, deliver_document, deliver_source, parse_version
from meetings.models import AgendaItem, DocumentFolder, Participant
from meetings.schemas import DocumentTypeIn, FolderIn, NoteIn, NotePatch, ReadersIn, ReturnIn

View = Callable[..., HttpResponseBase]


def page(view: View) -> View:
    """Login required (refusals, a 404 included, are the RefusalMiddleware's to answer)."""
    return login_required(view)


def documents_context(access: MeetingAccess) -> dict[str, Any]:
    docs = list(documents_visible_to(access).select_related("agenda_item", "folder", "doc_type")
                .prefetch_related("versions", "readers"))
    for doc in docs:
        doc.latest = max(doc.versions.all(), key=lambda v: v.number, default=None)
    return {"meeting": access.meeting, "documents": docs, "access": access}


@page
def meeting_documents(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    if request.method == "POST":
        document = add_meeting_document(request, meeting_id)
        message = (_("The document was uploaded and released.") if document.status == "released"
                   else _("The document was uploaded and awaits the secretary's approval."))
        if wants_json(request):
            return JsonResponse({"id": document.pk, "status": document.status, "message": message}, status=201)
        messages.success(request, message)
        return redirect("meeting_documents", meeting_id)
    context = documents_context(access)
    items = upload_item_ids(access, request.user)
    perms = meeting_permissions(access, request.user)
    context.update({
        "perms": perms,
        "upload_items": AgendaItem.objects.filter(meeting=access.meeting) if items is None else items,
        "folders": DocumentFolder.objects.filter(meeting=access.meeting),
        "doc_types": document_types_for(request.user),
        "may_upload": perms["upload"],
        "participants": Participant.objects.filter(meeting=access.meeting).select_related("user"),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    })
    return render(request, "meetings/documents/meeting_documents.html", context)


@page
@require_POST
def document_action(request: AuthenticatedHttpRequest, document_id: int, action: str) -> HttpResponse:
    _access, document = meeting_document(request.user, document_id)
    if action == "approve":
        actions.do_review_document(document, actor=request.user, approve=True)
        messages.success(request, _("The document was released."))
    elif action == "return":
        data = parse_input(ReturnIn, request.POST)
        actions.do_review_document(document, actor=request.user, approve=False, reason=data.reason)
        messages.success(request, _("The document was sent back."))
    elif action == "readers":
        readers = parse_input(ReadersIn, request.POST)
        actions.do_set_readers(document, actor=request.user, usernames=readers.readers,
                               confidential=bool(readers.confidential))
        messages.success(request, _("The readers were saved."))
    elif action == "withdraw":
        actions.do_withdraw_document(document, actor=request.user)
        messages.success(request, _("The document was withdrawn."))
    elif action == "delete":
        actions.do_delete_document(document, actor=request.user)
        messages.success(request, _("The document was deleted."))
    elif action == "replace":
        replace_meeting_document(request, document_id)
        if wants_json(request):
            return JsonResponse({"id": document.pk, "message": _("A new version was uploaded.")}, status=201)
        messages.success(request, _("A new version was uploaded."))
    else:
        raise Http404
    return redirect("meeting_documents", document.meeting_id)


@page
@require_POST
def create_folder(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = meeting_access(request.user, meeting_id).meeting
    data = parse_input(FolderIn, request.POST)
    actions.do_create_folder(meeting, actor=request.user, name=data.name)
    return redirect("meeting_documents", meeting_id)


@page
def document_types(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The document-type catalog for administrators: the types they may use, and a form to add one."""
    if not may_manage_document_types(request.user):
        raise PermissionDeniedError(_("Only administrators may change the document types."))
    context: dict[str, Any] = {"types": document_types_for(request.user).select_related("unit"),
                               "form": {"name": "", "code": ""}}
    if request.method == "POST":
        context["form"] = {"name": request.POST.get("name", ""), "code": request.POST.get("code", "")}
        try:
            data = parse_input(DocumentTypeIn, request.POST)
            doc_type = actions.do_create_document_type(actor=request.user, name=data.name, code=data.code)
        except ActionError as exc:
            return refusal_response(request, exc, form=FormPage("meetings/documents/document_types.html", context))
        messages.success(request, _("The document type “%(name)s” was added.") % {"name": doc_type.name})
        return redirect("document_types")
    return render(request, "meetings/documents/document_types.html", context)


@page
def document_detail(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    access = meeting_access(request.user, document.meeting_id) if document.meeting_id else None
    versions = list(document.versions.order_by("-number"))
    notes = notes_of(request.user).filter(document=document).order_by("page", "pk")
    return render(request, "meetings/documents/document_detail.html", {
        "document": document, "access": access, "versions": versions, "latest": versions[0] if versions else None,
        # the viewer's notes beside or under each page (static/meetings/viewer.js keeps them current
        # through /api/v1/notes; this copy shows them at once, and when the page was kept offline)
        "notes": [note_dict(note) for note in notes],
        "may_edit": may_edit_document(access, document, request.user),
        "gets_original": may_receive_original(request.user, document),
        "copy_notice": copy_notice(request.user, document, versions[0] if versions else None),
    })


@page
@xframe_options_sameorigin
# shown in an iframe of the document page; django-csp types its decorators for (request) views only
@csp_replace({"frame-ancestors": [SELF]})  # type: ignore[arg-type]
def document_view(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponseBase:
    document = document_for_reader(request.user, document_id)
    return deliver_document(request, document, parse_version(request.GET.get("version")), inline=True)


@page
def document_download(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponseBase:
    document = document_for_reader(request.user, document_id)
    return deliver_document(request, document, parse_version(request.GET.get("version")), inline=False)


@page
def document_source(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponseBase:
    """The office document a version was converted from (?version=N), for its readers."""
    document = document_for_reader(request.user, document_id)
    return deliver_source(request, document, parse_version(request.GET.get("version")))


@page
def my_notes(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        delete_id = parse_id(request.POST.get("delete"), "delete")
        note_id = parse_id(request.POST.get("note"), "note")
        if delete_id is not None:
            note_actions.do_delete_note(own_note(request.user, delete_id), actor=request.user)
            messages.success(request, _("The note was deleted."))
        elif note_id is not None:
            patch = parse_input(NotePatch, request.POST)
            note_actions.do_edit_note(own_note(request.user, note_id), actor=request.user, text=patch.text,
                                      page=patch.page)
            messages.success(request, _("The note was saved."))
        else:
            add_note(request, parse_input(NoteIn, request.POST))
            messages.success(request, _("The note was saved."))
        return redirect(safe_next(request, reverse("my_notes")))
    notes = notes_of(request.user).select_related("meeting", "document")
    return render(request, "meetings/documents/my_notes.html", {"notes": notes})


from meetings.views import opinions  # noqa: E402  (opinion pages live beside the documents pages)

urlpatterns: list[URLPattern] = [
    path("meetings/<int:meeting_id>/documents/", meeting_documents, name="meeting_documents"),
    path("meetings/<int:meeting_id>/documents/folders/", create_folder, name="document_folder_create"),
    path("documents/<int:document_id>/", document_detail, name="document_detail"),
    path("documents/<int:document_id>/view/", document_view, name="document_view"),
    path("documents/<int:document_id>/download/", document_download, name="document_download"),
    path("documents/<int:document_id>/source/", document_source, name="document_source"),
    path("documents/<int:document_id>/<slug:action>/", document_action, name="document_action"),
    path("notes/", my_notes, name="my_notes"),
    path("meetings/document-types/", document_types, name="document_types"),
    *opinions.urlpatterns,
]
