"""The vote results export with the signed ballots (fn108): JSON, for whoever may see the
meeting's results; `manage.py verify_ballots EXPORT.json` checks it offline."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from ecabinet.http import AuthenticatedHttpRequest
from meetings.access import meeting_access
from signing.ballots import results_export


@login_required
def votes_json(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    data = results_export(meeting_access(request.user, meeting_id))
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="votes-{meeting_id}.json"'
    return response
