"""Schemathesis against the app's own OpenAPI description: no input may get a 5xx, and every
response must be one the description declares (status, media type, JSON schema).

Runs in-process through the WSGI handler, so the calls share pytest-django's test database.
Bounded: a few examples per operation, derandomized, so CI time is predictable and a failure
reproduces on the next run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ecabinet.actions import do_issue_api_token
from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.actions.agenda import do_add_agenda_item
from meetings.actions.preparation import do_add_participant, do_create_meeting
from tests.kit.users import make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# FUZZ_EXAMPLES=100 for a deeper local run; CI keeps the defaults (about 2 minutes for both runs).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# Signed in: schemathesis' boundary cases (huge integers, odd dates, unsupported methods) run as
# explicit examples, then a few generated ones.
SIGNED_IN = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
)
# Anonymous: every call must stop at the door (401/403/404) with the envelope; a few generated cases
# per operation show that, the boundary cases would only repeat it.
ANONYMOUS = settings(SIGNED_IN, max_examples=max(2, EXAMPLES // 2), phases=[Phase.generate])


CALLS: Counter[int] = Counter()  # status -> count, printed at the end (pytest -s)


def _counting(app):
    def counted(environ, start_response):
        def counting_start(status, headers, *exc_info):
            CALLS[int(status.split()[0])] += 1
            return start_response(status, headers, *exc_info)

        return app(environ, counting_start)

    return counted


# Loaded from the app itself at collection time (the description needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _counting(get_wsgi_application()))


@pytest.fixture(scope="module", autouse=True)
def _report_calls():
    yield
    print(f"\nAPI fuzz: {sum(CALLS.values())} calls, by status {dict(sorted(CALLS.items()))}")


@pytest.fixture(autouse=True)
def _keep_test_connection():
    # Like Django's test Client: the start or end of a request must not close the test transaction's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db) -> str:
    """A small body for the fuzzer to find (low ids exist, so calls get past the 404s) and the
    secretary's bearer token."""
    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh Thử", code="ubnd-thu", kind="committee")
    secretary = make_user("secretary", unit=unit, full_name="Nguyễn Thị Thư Ký", roles=(ORGANISER,))
    member = make_user("member", unit=unit, full_name="Trần Văn Thành Viên")
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    meeting = do_create_meeting(actor=secretary, title="Phiên họp thường kỳ", starts_at=start,
                                ends_at=start + timedelta(hours=2), unit=unit)
    do_add_participant(meeting, actor=secretary, user=member)
    do_add_agenda_item(meeting, actor=secretary, title="Báo cáo kinh tế - xã hội", duration_minutes=20)
    # --- follow-up tasks --- an ended meeting whose conclusion gives task 1 to the member
    from meetings.actions.followup import do_create_task
    from tests.kit.factories import make_meeting

    ended = make_meeting(by=secretary, title="Phiên họp đã kết thúc", unit=unit, members=[member], status="ended")
    do_create_task(ended, actor=secretary, title="Rà soát danh mục", assignee=member,
                   deadline=timezone.localdate() + timedelta(days=7))
    return do_issue_api_token(actor=secretary)[1]


@schema.parametrize()
@SIGNED_IN
def test_api_signed_in(case, fuzz_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS)


@schema.parametrize()
@ANONYMOUS
def test_api_anonymous(case, db):
    case.call_and_validate(checks=CHECKS)


# --- the integration API (issue 13 part 5): its own OpenAPI, a client system's OAuth2 token ---
integration_schema = schemathesis.openapi.from_wsgi("/api/integration/v1/openapi.json",
                                                    _counting(get_wsgi_application()))


@pytest.fixture
def integration_token(db) -> str:
    """A unit with a scheduled meeting (low ids exist) and a client system of that unit's token."""
    from django.test import RequestFactory
    from oauth2_provider.views import TokenView

    from ecabinet.actions_integration import do_register_client
    from ecabinet.schemas_integration import ClientSystemIn
    from tests.kit.factories import make_meeting

    unit = Unit.objects.create(name="Sở Tài chính", code="so-tc", kind="department")
    secretary = make_user("secretary", unit=unit, full_name="Nguyễn Thị Thư Ký", roles=(ORGANISER,))
    make_meeting(by=secretary, title="Họp giao ban", unit=unit, items=["Báo cáo thu chi"], status="scheduled")
    root = make_user("root", unit=unit, is_superuser=True, is_staff=True)
    system, secret = do_register_client(actor=root, data=ClientSystemIn(name="LGSP", units=[unit.pk]))
    # the view itself (Django's test Client would reconnect close_old_connections to request_finished)
    request = RequestFactory().post("/o/token/", {"grant_type": "client_credentials",
                                                  "client_id": system.application.client_id, "client_secret": secret})
    return json.loads(TokenView.as_view()(request).content)["access_token"]


@integration_schema.parametrize()
@SIGNED_IN
def test_integration_api_with_a_client_token(case, integration_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {integration_token}"}, checks=CHECKS)


@integration_schema.parametrize()
@ANONYMOUS
def test_integration_api_anonymous(case, db):
    case.call_and_validate(checks=CHECKS)
