"""Documents endpoints: upload (multipart), versions, approval, confidential readers, withdraw,
delete, the file (through meetings/delivery.py), folders and types. Notes and opinions are mounted from here too."""

from __future__ import annotations

from typing import Any

from ninja import Router, Status

from ecabinet.api_docs import file_response
from ecabinet.bodylimit import upload_body_limit
from ecabinet.http import AuthenticatedHttpRequest
from ecabinet.inputs import Id, Int64, parse_input, refuse_nul
from ecabinet.intake import too_large_error
from meetings.access import (
    document_for_reader,
    document_type,
    document_types_for,
    documents_visible_to,
    meeting_access,
    meeting_agenda_item,
    meeting_document,
    meeting_folder,
)
from meetings.actions import documents as actions
from meetings.delivery import deliver_document, deliver_source
from meetings.models import Document, DocumentFolder, DocumentVersion
from meetings.schemas import (
    DocumentDetailOut,
    DocumentListOut,
    DocumentPatch,
    DocumentReplaceIn,
    DocumentTypeIn,
    DocumentTypeListOut,
    DocumentTypeOut,
    DocumentUploadIn,
    FolderIn,
    FolderListOut,
    FolderOut,
    ReadersIn,
    ReturnIn,
    VersionListOut,
    VersionOut,
    multipart_body,
)
from meetings.serializers import iso, serialize_document

router: Router = Router(tags=["documents"])

PDF_FILE = "PDF only"


def check_content_length(request: AuthenticatedHttpRequest) -> None:
    """Refuse an oversized body before Django parses it (files are checked again after), then
    text fields PostgreSQL could not store."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > upload_body_limit():
        raise too_large_error()
    refuse_nul(request.POST)  # then the form's text fields: PostgreSQL cannot store NUL


def uploaded_file(request: AuthenticatedHttpRequest, key: str = "file") -> Any:
    # Size, type and content are the intake's to judge (ecabinet/intake.py), in the action.
    return request.FILES.get(key)


def add_meeting_document(request: AuthenticatedHttpRequest, meeting_id: int) -> Document:
    """The page's and the API's upload: one parser, one resolution, one action."""
    check_content_length(request)
    data = parse_input(DocumentUploadIn, request.POST)
    meeting = meeting_access(request.user, meeting_id).meeting
    return actions.do_add_meeting_document(
        meeting, actor=request.user, upload=uploaded_file(request), title=data.title,
        agenda_item=meeting_agenda_item(meeting, data.agenda_item), folder=meeting_folder(meeting, data.folder),
        doc_type=document_type(data.doc_type), confidential=data.confidential,
    )


def replace_meeting_document(request: AuthenticatedHttpRequest, document_id: int) -> DocumentVersion:
    check_content_length(request)
    data = parse_input(DocumentReplaceIn, request.POST)
    _access, document = meeting_document(request.user, document_id)
    return actions.do_replace_document(document, actor=request.user, upload=uploaded_file(request), note=data.note)


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
            "created_by": version.created_by_id, "created_at": iso(version.created_at),
            "source_name": version.source_name, "source_type": version.source_type}


def _document(request: AuthenticatedHttpRequest, document_id: int) -> Document:
    return meeting_document(request.user, document_id)[1]


@router.get("/meetings/{meeting_id}/documents", response=DocumentListOut, exclude_unset=True, summary="Documents of a meeting the caller may see")
def list_documents(request: AuthenticatedHttpRequest, meeting_id: Id):
    access = meeting_access(request.user, meeting_id)
    docs = documents_visible_to(access).prefetch_related("versions", "readers")
    return {"documents": [document_detail(d) for d in docs]}


@router.post("/meetings/{meeting_id}/documents", summary="Upload a PDF document (multipart)",
             response={201: DocumentDetailOut},
             openapi_extra=multipart_body(DocumentUploadIn, {"file": PDF_FILE}, ["file"]))
def upload_document(request: AuthenticatedHttpRequest, meeting_id: Id) -> Status:
    return Status(201, document_detail(add_meeting_document(request, meeting_id), with_versions=True))


@router.get("/documents/{document_id}", response=DocumentDetailOut, summary="A document with its versions")
def get_document(request: AuthenticatedHttpRequest, document_id: Id):
    return document_detail(document_for_reader(request.user, document_id), with_versions=True)


@router.get("/documents/{document_id}/versions", response=VersionListOut, summary="Every version of a document")
def list_versions(request: AuthenticatedHttpRequest, document_id: Id):
    document = document_for_reader(request.user, document_id)
    return {"versions": [version_detail(v) for v in document.versions.order_by("number")]}


@router.post("/documents/{document_id}/versions", summary="Replace: upload a new version (multipart)",
             response={201: VersionOut},
             openapi_extra=multipart_body(DocumentReplaceIn, {"file": PDF_FILE}, ["file"]))
def replace_document(request: AuthenticatedHttpRequest, document_id: Id) -> Status:
    return Status(201, version_detail(replace_meeting_document(request, document_id)))


@router.get("/documents/{document_id}/file", summary="The PDF, original or watermarked for the caller (?version=N)",
            response={200: None},
            openapi_extra=file_response("application/pdf", "The PDF: the signed original or a watermarked copy"))
def document_file(request: AuthenticatedHttpRequest, document_id: Id, version: Int64 | None = None, inline: bool = False):
    document = document_for_reader(request.user, document_id)
    return deliver_document(request, document, version, inline=inline)


@router.get("/documents/{document_id}/source",
            summary="The office document (.docx, .odt, ...) a version's PDF was converted from (?version=N)",
            response={200: None},
            openapi_extra=file_response("application/octet-stream", "The office document as uploaded"))
def document_source(request: AuthenticatedHttpRequest, document_id: Id, version: Int64 | None = None):
    document = document_for_reader(request.user, document_id)
    return deliver_source(request, document, version)


@router.post("/documents/{document_id}/approve", response=DocumentDetailOut, exclude_unset=True, summary="Release a pending document")
def approve_document(request: AuthenticatedHttpRequest, document_id: Id):
    document = actions.do_review_document(_document(request, document_id), actor=request.user, approve=True)
    return document_detail(document)


@router.post("/documents/{document_id}/return", response=DocumentDetailOut, exclude_unset=True, summary="Send a pending document back with a reason")
def return_document(request: AuthenticatedHttpRequest, document_id: Id, payload: ReturnIn):
    document = actions.do_review_document(_document(request, document_id), actor=request.user, approve=False,
                                          reason=payload.reason)
    return document_detail(document)


@router.put("/documents/{document_id}/readers", response=DocumentDetailOut, exclude_unset=True, summary="Set who may read a confidential document")
def set_readers(request: AuthenticatedHttpRequest, document_id: Id, payload: ReadersIn):
    document = actions.do_set_readers(_document(request, document_id), actor=request.user,
                                      usernames=payload.readers, confidential=payload.confidential)
    return document_detail(document)


@router.patch("/documents/{document_id}", response=DocumentDetailOut, exclude_unset=True, summary="Rename, move to a folder or item, set the type")
def patch_document(request: AuthenticatedHttpRequest, document_id: Id, payload: DocumentPatch):
    access, document = meeting_document(request.user, document_id)
    meeting = access.meeting
    document = actions.do_move_document(
        document, actor=request.user, folder=meeting_folder(meeting, payload.folder),
        doc_type=document_type(payload.doc_type), agenda_item=meeting_agenda_item(meeting, payload.agenda_item),
        title=payload.title)
    return document_detail(document)


@router.post("/documents/{document_id}/withdraw", response=DocumentDetailOut, exclude_unset=True, summary="Withdraw a document (files are kept)")
def withdraw_document(request: AuthenticatedHttpRequest, document_id: Id):
    return document_detail(actions.do_withdraw_document(_document(request, document_id), actor=request.user))


@router.delete("/documents/{document_id}", summary="Delete a document nothing refers to", response={204: None})
def delete_document(request: AuthenticatedHttpRequest, document_id: Id):
    actions.do_delete_document(_document(request, document_id), actor=request.user)
    return Status(204, None)


@router.get("/meetings/{meeting_id}/document-folders", response=FolderListOut, summary="Document folders of a meeting")
def list_folders(request: AuthenticatedHttpRequest, meeting_id: Id):
    access = meeting_access(request.user, meeting_id)
    return {"folders": [{"id": f.pk, "name": f.name, "position": f.position}
                        for f in DocumentFolder.objects.filter(meeting=access.meeting)]}


@router.post("/meetings/{meeting_id}/document-folders", summary="Add a document folder", response={201: FolderOut})
def create_folder(request: AuthenticatedHttpRequest, meeting_id: Id, payload: FolderIn):
    meeting = meeting_access(request.user, meeting_id).meeting
    folder = actions.do_create_folder(meeting, actor=request.user, name=payload.name)
    return Status(201, {"id": folder.pk, "name": folder.name, "position": folder.position})


@router.get("/document-types", response=DocumentTypeListOut, summary="The document-type catalog")
def list_document_types(request: AuthenticatedHttpRequest):
    return {"document_types": [{"id": t.pk, "name": t.name, "code": t.code, "unit": t.unit_id}
                               for t in document_types_for(request.user)]}


@router.post("/document-types", summary="Add a document type (administrators)", response={201: DocumentTypeOut})
def create_document_type(request: AuthenticatedHttpRequest, payload: DocumentTypeIn):
    doc_type = actions.do_create_document_type(actor=request.user, name=payload.name, code=payload.code)
    return Status(201, {"id": doc_type.pk, "name": doc_type.name, "code": doc_type.code, "unit": doc_type.unit_id})


from meetings.api import opinions  # noqa: E402  (mounted here so meetings/api/__init__.py stays as is)

router.add_router("", opinions.router)
