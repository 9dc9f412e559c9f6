"""What the signed-in user's device may keep for reading offline (the service worker's pack)."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema

from ecabinet.http import AuthenticatedHttpRequest
from meetings.access import offline_documents, offline_meetings

router: Router = Router(tags=["offline"])

# Our own static files every page needs (the service worker also keeps every /static/ file a
# page loads, as it loads it); pages and PDFs are the user's and are listed below.
SHELL_STATIC = (
    "ecabinet/app.css", "ecabinet/app.js", "ecabinet/confirm.js", "ecabinet/net.js", "ecabinet/offline.js",
    "ecabinet/pwa.js", "ecabinet/offline-page.js", "meetings/documents.js",
    "ecabinet/icons/icon-192.png", "ecabinet/icons/icon.svg",
    # the document viewer: a document kept offline is read in it
    "meetings/viewer.js", "meetings/viewer.css", "pdfjs/pdf.min.mjs", "pdfjs/pdf.worker.min.mjs",
)


class OfflineEntry(Schema):
    url: str
    kind: str  # "page" or "pdf"
    # the cached copy is fetched again when this changes; "" means at every sync (pages)
    version: str
    title: str
    meeting: int | None = None


class OfflinePackOut(Schema):
    user: int
    generated_at: str
    shell: list[str]
    entries: list[OfflineEntry]


def offline_shell() -> list[str]:
    return [reverse("offline"), reverse("web_manifest"), reverse("favicon"), *(static(name) for name in SHELL_STATIC)]


def offline_entries(user) -> list[dict[str, Any]]:  # noqa: ANN001 - a signed-in User
    entries: list[dict[str, Any]] = [{"url": reverse("home"), "kind": "page", "version": "", "title": "eCabinet"}]
    for access in offline_meetings(user):
        meeting = access.meeting
        entries.append({"url": reverse("meeting_detail", args=[meeting.pk]), "kind": "page", "version": "",
                        "title": meeting.title, "meeting": meeting.pk})
        entries.append({"url": reverse("meeting_documents", args=[meeting.pk]), "kind": "page", "version": "",
                        "title": meeting.title, "meeting": meeting.pk})
        for document in offline_documents(access):
            latest = max((v.number for v in document.versions.all()), default=0)
            entries.append({"url": reverse("document_detail", args=[document.pk]), "kind": "page", "version": "",
                            "title": document.title, "meeting": meeting.pk})
            entries.append({"url": reverse("document_view", args=[document.pk]), "kind": "pdf",
                            "version": f"{document.pk}.{latest}", "title": document.title, "meeting": meeting.pk})
    return entries


@router.get("/me/offline-pack", response=OfflinePackOut,
            summary="What this device may keep for reading offline (the caller's upcoming meetings and documents)")
def offline_pack(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    return {"user": request.user.pk, "generated_at": timezone.now().isoformat(), "shell": offline_shell(),
            "entries": offline_entries(request.user)}
