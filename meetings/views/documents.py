"""Documents pages: a meeting's documents (upload with progress, approve, readers, versions),
one document (in-browser watermarked view, my notes on it), and "My notes"."""

from __future__ import annotations

from functools import wraps

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from ecabinet.errors import ActionError, NotFoundError
from ecabinet.redirects import safe_next
from meetings.access import (
    document_for_reader,
    documents_visible_to,
    may_edit_document,
    may_manage_document_types,
    may_receive_original,
    meeting_access,
    meeting_permissions,
    upload_item_ids,
)
from meetings.actions import documents as actions
from meetings.actions.opinions import do_delete_note, do_save_note, notes_of
from meetings.api.documents import check_content_length, form_int, uploaded_file
from meetings.delivery import copy_notice, deliver_document, error_page, parse_version
from meetings.models import AgendaItem, DocumentFolder, Participant


def page(view):
    """Login required; an object the user may not see is a plain 404 (no title leaks)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from None

    return wrapper


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest" or "application/json" in request.headers.get(
        "accept", "")


def refused(request: HttpRequest, exc: ActionError, back: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.status,
                            json_dumps_params={"ensure_ascii": False})
    messages.error(request, exc.message)
    return redirect(back)


def documents_context(access) -> dict:
    docs = list(documents_visible_to(access).select_related("agenda_item", "folder", "doc_type")
                .prefetch_related("versions", "readers"))
    for doc in docs:
        doc.latest = max(doc.versions.all(), key=lambda v: v.number, default=None)
    return {"meeting": access.meeting, "documents": docs, "access": access}


@page
def meeting_documents(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    back = reverse("meeting_documents", args=[meeting_id])
    if request.method == "POST":
        try:
            check_content_length(request)
            document = actions.do_upload_document(
                access, actor=request.user, upload=uploaded_file(request), title=request.POST.get("title", ""),
                agenda_item_id=form_int(request.POST, "agenda_item"),
                confidential=request.POST.get("confidential") in ("1", "on", "true"),
                folder_id=form_int(request.POST, "folder"), doc_type_id=form_int(request.POST, "doc_type"),
            )
        except ActionError as exc:
            return refused(request, exc, back)
        message = (_("The document was uploaded and released.") if document.status == "released"
                   else _("The document was uploaded and awaits the secretary's approval."))
        if wants_json(request):
            return JsonResponse({"id": document.pk, "status": document.status, "message": message}, status=201)
        messages.success(request, message)
        return redirect(back)
    context = documents_context(access)
    items = upload_item_ids(access, request.user)
    perms = meeting_permissions(access, request.user)
    context.update({
        "perms": perms,
        "upload_items": AgendaItem.objects.filter(meeting=access.meeting) if items is None else items,
        "folders": DocumentFolder.objects.filter(meeting=access.meeting),
        "doc_types": actions.document_types_for(request.user),
        "may_upload": perms["upload"],
        "participants": Participant.objects.filter(meeting=access.meeting).select_related("user"),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
    })
    return render(request, "meetings/documents/meeting_documents.html", context)


def _document_and_access(request: HttpRequest, document_id: int):
    document = document_for_reader(request.user, document_id)
    if document.meeting_id is None:
        raise NotFoundError(_("Document not found."))
    return meeting_access(request.user, document.meeting_id), document


@page
@require_POST
def document_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    access, document = _document_and_access(request, document_id)
    back = reverse("meeting_documents", args=[document.meeting_id])
    try:
        if action == "approve":
            actions.do_review_document(access, document, actor=request.user, approve=True)
            messages.success(request, _("The document was released."))
        elif action == "return":
            actions.do_review_document(access, document, actor=request.user, approve=False,
                                       reason=request.POST.get("reason", ""))
            messages.success(request, _("The document was sent back."))
        elif action == "readers":
            actions.do_set_readers(access, document, actor=request.user,
                                   usernames=request.POST.getlist("readers"),
                                   confidential=request.POST.get("confidential") in ("1", "on", "true"))
            messages.success(request, _("The readers were saved."))
        elif action == "withdraw":
            actions.do_withdraw_document(access, document, actor=request.user)
            messages.success(request, _("The document was withdrawn."))
        elif action == "delete":
            actions.do_delete_document(access, document, actor=request.user)
            messages.success(request, _("The document was deleted."))
        elif action == "replace":
            check_content_length(request)
            actions.do_replace_document(access, document, actor=request.user, upload=uploaded_file(request),
                                        note=request.POST.get("note", ""))
            if wants_json(request):
                return JsonResponse({"id": document.pk, "message": _("A new version was uploaded.")}, status=201)
            messages.success(request, _("A new version was uploaded."))
        else:
            raise Http404
    except ActionError as exc:
        return refused(request, exc, back)
    return redirect(back)


@page
@require_POST
def create_folder(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    try:
        actions.do_create_folder(access, actor=request.user, name=request.POST.get("name", ""))
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("meeting_documents", meeting_id)


@page
def document_types(request: HttpRequest) -> HttpResponse:
    """The document-type catalog for administrators: the types they may use, and a form to add one."""
    if not may_manage_document_types(request.user):
        return render(request, "meetings/error.html", {
            "message": _("Only administrators may change the document types.")}, status=403)
    error, status, form = "", 200, {"name": "", "code": ""}
    if request.method == "POST":
        form = {"name": request.POST.get("name", ""), "code": request.POST.get("code", "")}
        try:
            doc_type = actions.do_create_document_type(actor=request.user, **form)
        except ActionError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("The document type “%(name)s” was added.") % {"name": doc_type.name})
            return redirect("document_types")
    return render(request, "meetings/documents/document_types.html", {
        "types": actions.document_types_for(request.user).select_related("unit"), "form": form, "error": error,
    }, status=status)


@page
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    access = meeting_access(request.user, document.meeting_id) if document.meeting_id else None
    versions = list(document.versions.order_by("-number"))
    return render(request, "meetings/documents/document_detail.html", {
        "document": document, "access": access, "versions": versions, "latest": versions[0] if versions else None,
        "notes": notes_of(request.user).filter(document=document).order_by("page", "pk"),
        "may_edit": may_edit_document(access, document, request.user),
        "gets_original": may_receive_original(request.user, document),
        "copy_notice": copy_notice(request.user, document, versions[0] if versions else None),
    })


@page
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # shown in an iframe of the document page
def document_view(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    try:
        return deliver_document(request, document, parse_version(request.GET.get("version")), inline=True)
    except ActionError as exc:
        return error_page(request, exc)


@page
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_reader(request.user, document_id)
    try:
        return deliver_document(request, document, parse_version(request.GET.get("version")), inline=False)
    except ActionError as exc:
        return error_page(request, exc)


@page
def my_notes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                do_delete_note(actor=request.user, note_id=form_int(request.POST, "delete"))
                messages.success(request, _("The note was deleted."))
            else:
                do_save_note(actor=request.user, text=request.POST.get("text", ""),
                             meeting_id=form_int(request.POST, "meeting"),
                             document_id=form_int(request.POST, "document"),
                             page=form_int(request.POST, "page"), note_id=form_int(request.POST, "note"))
                messages.success(request, _("The note was saved."))
        except NotFoundError as exc:
            raise Http404(exc.message) from None
        except ActionError as exc:
            messages.error(request, exc.message)
        return redirect(safe_next(request, reverse("my_notes")))
    notes = notes_of(request.user).select_related("meeting", "document")
    return render(request, "meetings/documents/my_notes.html", {"notes": notes})


from meetings.views import opinions  # noqa: E402  (opinion pages live beside the documents pages)

urlpatterns = [
    path("meetings/<int:meeting_id>/documents/", meeting_documents, name="meeting_documents"),
    path("meetings/<int:meeting_id>/documents/folders/", create_folder, name="document_folder_create"),
    path("documents/<int:document_id>/", document_detail, name="document_detail"),
    path("documents/<int:document_id>/view/", document_view, name="document_view"),
    path("documents/<int:document_id>/download/", document_download, name="document_download"),
    path("documents/<int:document_id>/<slug:action>/", document_action, name="document_action"),
    path("notes/", my_notes, name="my_notes"),
    path("meetings/document-types/", document_types, name="document_types"),
    *opinions.urlpatterns,
]
