"""Documents endpoints: upload (multipart), versions, approval, confidential readers, withdraw,
delete, the file (through meetings/delivery.py), folders and types. Notes and opinions are mounted from here too."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from ecabinet.api_docs import file_response
from ecabinet.bodylimit import upload_body_limit
from ecabinet.errors import NotFoundError
from ecabinet.inputs import Id, Int64, parse_int, refuse_nul
from ecabinet.intake import too_large_error
from meetings.access import document_for_reader, documents_visible_to, meeting_access
from meetings.actions import documents as actions
from meetings.delivery import deliver_document
from meetings.models import Document, DocumentFolder, DocumentVersion
from meetings.schemas import (
    DocumentDetailOut,
    DocumentListOut,
    DocumentTypeListOut,
    DocumentTypeOut,
    FolderListOut,
    FolderOut,
    VersionListOut,
    VersionOut,
)
from meetings.serializers import iso, serialize_document

router = Router(tags=["documents"])

UPLOAD_FIELDS = {
    "file": {"type": "string", "format": "binary", "description": "PDF only"},
    "agenda_item": {"type": "integer"},
    "confidential": {"type": "boolean"},
    "title": {"type": "string"},
    "folder": {"type": "integer"},
    "doc_type": {"type": "integer"},
}


def multipart(fields: dict, required: list[str]) -> dict:
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": fields, "required": required}}}}}


def check_content_length(request: HttpRequest) -> None:
    """Refuse an oversized body before Django parses it (files are checked again after), then
    text fields PostgreSQL could not store."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > upload_body_limit():
        raise too_large_error()
    refuse_nul(request.POST)  # then the form's text fields: PostgreSQL cannot store NUL


def form_int(data, key: str) -> int | None:
    return parse_int(data.get(key), key, code="bad_request")


def form_bool(data, key: str) -> bool:
    return str(data.get(key, "")).strip().lower() in {"1", "true", "yes", "on"}


def uploaded_file(request: HttpRequest, key: str = "file"):
    # Size, type and content are the intake's to judge (ecabinet/intake.py), in the action.
    return request.FILES.get(key)


def document_detail(document: Document, *, with_versions: bool = False) -> dict[str, Any]:
    data = serialize_document(document)
    data.update({
        "meeting": document.meeting_id, "folder": document.folder_id, "doc_type": document.doc_type_id,
        "return_reason": document.return_reason, "uploaded_by": document.uploaded_by_id,
        "created_at": iso(document.created_at),
        "readers": sorted(document.readers.values_list("username", flat=True)) if document.confidential else [],
    })
    if with_versions:
        data["versions"] = [version_detail(v) for v in document.versions.order_by("number")]
    return data


def version_detail(version: DocumentVersion) -> dict[str, Any]:
    return {"id": version.pk, "number": version.number, "sha256": version.sha256, "size": version.size,
            "pages": version.pages, "original_name": version.original_name, "note": version.note,
            "created_by": version.created_by_id, "created_at": iso(version.created_at)}


def _doc_access(request: HttpRequest, document_id: Id):
    document = document_for_reader(request.user, document_id)
    if document.meeting_id is None:
        raise NotFoundError(_("Document not found."))
    return meeting_access(request.user, document.meeting_id), document


@router.get("/meetings/{meeting_id}/documents", response=DocumentListOut, exclude_unset=True, summary="Documents of a meeting the caller may see")
def list_documents(request: HttpRequest, meeting_id: Id):
    access = meeting_access(request.user, meeting_id)
    docs = documents_visible_to(access).prefetch_related("versions", "readers")
    return {"documents": [document_detail(d) for d in docs]}


@router.post("/meetings/{meeting_id}/documents", summary="Upload a PDF document (multipart)",
             response={201: DocumentDetailOut}, openapi_extra=multipart(UPLOAD_FIELDS, ["file"]))
def upload_document(request: HttpRequest, meeting_id: Id):
    check_content_length(request)
    access = meeting_access(request.user, meeting_id)
    data = request.POST
    document = actions.do_upload_document(
        access, actor=request.user, upload=uploaded_file(request), title=data.get("title", ""),
        agenda_item_id=form_int(data, "agenda_item"), confidential=form_bool(data, "confidential"),
        folder_id=form_int(data, "folder"), doc_type_id=form_int(data, "doc_type"),
    )
    return Status(201, document_detail(document, with_versions=True))


@router.get("/documents/{document_id}", response=DocumentDetailOut, summary="A document with its versions")
def get_document(request: HttpRequest, document_id: Id):
    return document_detail(document_for_reader(request.user, document_id), with_versions=True)


@router.get("/documents/{document_id}/versions", response=VersionListOut, summary="Every version of a document")
def list_versions(request: HttpRequest, document_id: Id):
    document = document_for_reader(request.user, document_id)
    return {"versions": [version_detail(v) for v in document.versions.order_by("number")]}


@router.post("/documents/{document_id}/versions", summary="Replace: upload a new version (multipart)",
             response={201: VersionOut}, openapi_extra=multipart(
                 {"file": UPLOAD_FIELDS["file"], "note": {"type": "string"}}, ["file"]))
def replace_document(request: HttpRequest, document_id: Id):
    check_content_length(request)
    access, document = _doc_access(request, document_id)
    version = actions.do_replace_document(access, document, actor=request.user, upload=uploaded_file(request),
                                          note=request.POST.get("note", ""))
    return Status(201, version_detail(version))


@router.get("/documents/{document_id}/file", summary="The PDF, original or watermarked for the caller (?version=N)",
            response={200: None},
            openapi_extra=file_response("application/pdf", "The PDF: the signed original or a watermarked copy"))
def document_file(request: HttpRequest, document_id: Id, version: Int64 | None = None, inline: bool = False):
    document = document_for_reader(request.user, document_id)
    return deliver_document(request, document, version, inline=inline)


class ReturnIn(Schema):
    reason: str


@router.post("/documents/{document_id}/approve", response=DocumentDetailOut, exclude_unset=True, summary="Release a pending document")
def approve_document(request: HttpRequest, document_id: Id):
    access, document = _doc_access(request, document_id)
    return document_detail(actions.do_review_document(access, document, actor=request.user, approve=True))


@router.post("/documents/{document_id}/return", response=DocumentDetailOut, exclude_unset=True, summary="Send a pending document back with a reason")
def return_document(request: HttpRequest, document_id: Id, payload: ReturnIn):
    access, document = _doc_access(request, document_id)
    return document_detail(actions.do_review_document(access, document, actor=request.user, approve=False,
                                                      reason=payload.reason))


class ReadersIn(Schema):
    readers: list[str]
    confidential: bool | None = None


@router.put("/documents/{document_id}/readers", response=DocumentDetailOut, exclude_unset=True, summary="Set who may read a confidential document")
def set_readers(request: HttpRequest, document_id: Id, payload: ReadersIn):
    access, document = _doc_access(request, document_id)
    document = actions.do_set_readers(access, document, actor=request.user, usernames=payload.readers,
                                      confidential=payload.confidential)
    return document_detail(document)


class DocumentPatch(Schema):
    title: str | None = None
    folder: Id | None = None
    doc_type: Id | None = None
    agenda_item: Id | None = None


@router.patch("/documents/{document_id}", response=DocumentDetailOut, exclude_unset=True, summary="Rename, move to a folder or item, set the type")
def patch_document(request: HttpRequest, document_id: Id, payload: DocumentPatch):
    access, document = _doc_access(request, document_id)
    document = actions.do_move_document(access, document, actor=request.user, folder_id=payload.folder,
                                        doc_type_id=payload.doc_type, agenda_item_id=payload.agenda_item,
                                        title=payload.title)
    return document_detail(document)


@router.post("/documents/{document_id}/withdraw", response=DocumentDetailOut, exclude_unset=True, summary="Withdraw a document (files are kept)")
def withdraw_document(request: HttpRequest, document_id: Id):
    access, document = _doc_access(request, document_id)
    return document_detail(actions.do_withdraw_document(access, document, actor=request.user))


@router.delete("/documents/{document_id}", summary="Delete a document nothing refers to", response={204: None})
def delete_document(request: HttpRequest, document_id: Id):
    access, document = _doc_access(request, document_id)
    actions.do_delete_document(access, document, actor=request.user)
    return Status(204, None)


class FolderIn(Schema):
    name: str


@router.get("/meetings/{meeting_id}/document-folders", response=FolderListOut, summary="Document folders of a meeting")
def list_folders(request: HttpRequest, meeting_id: Id):
    access = meeting_access(request.user, meeting_id)
    return {"folders": [{"id": f.pk, "name": f.name, "position": f.position}
                        for f in DocumentFolder.objects.filter(meeting=access.meeting)]}


@router.post("/meetings/{meeting_id}/document-folders", summary="Add a document folder", response={201: FolderOut})
def create_folder(request: HttpRequest, meeting_id: Id, payload: FolderIn):
    access = meeting_access(request.user, meeting_id)
    folder = actions.do_create_folder(access, actor=request.user, name=payload.name)
    return Status(201, {"id": folder.pk, "name": folder.name, "position": folder.position})


class DocumentTypeIn(Schema):
    name: str
    code: str


@router.get("/document-types", response=DocumentTypeListOut, summary="The document-type catalog")
def list_document_types(request: HttpRequest):
    return {"document_types": [{"id": t.pk, "name": t.name, "code": t.code, "unit": t.unit_id}
                               for t in actions.document_types_for(request.user)]}


@router.post("/document-types", summary="Add a document type (administrators)", response={201: DocumentTypeOut})
def create_document_type(request: HttpRequest, payload: DocumentTypeIn):
    doc_type = actions.do_create_document_type(actor=request.user, name=payload.name, code=payload.code)
    return Status(201, {"id": doc_type.pk, "name": doc_type.name, "code": doc_type.code, "unit": doc_type.unit_id})


from meetings.api import opinions  # noqa: E402  (mounted here so meetings/api/__init__.py stays as is)

router.add_router("", opinions.router)
