"""A meeting's dossier for the archive (fn107): the page's download; the API has the same route."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse

from ecabinet.http import AuthenticatedHttpRequest
from meetings.access import meeting_access
from meetings.delivery import deliver_archive
from signing.actions.dossier import do_export_dossier


@login_required
def dossier_zip(request: AuthenticatedHttpRequest, meeting_id: int) -> FileResponse:
    meeting = meeting_access(request.user, meeting_id).meeting  # a 404 for who may not see it
    exported = do_export_dossier(meeting, actor=request.user)
    return deliver_archive(request, exported.file, filename=exported.filename, size=exported.size,
                           sha256=exported.sha256)
