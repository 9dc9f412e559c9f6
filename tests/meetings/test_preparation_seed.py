"""seed_demo makes the demo meetings once; running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetings.models import Meeting


@pytest.mark.django_db
def test_seed_demo_meetings_are_idempotent():
    call_command("seed_demo", "--password", "demo-1234", stdout=StringIO())
    meetings = {m.title: m for m in Meeting.objects.all()}
    monthly = meetings["Phiên họp thường kỳ tháng 11 năm 2026 của UBND tỉnh"]
    assert monthly.status == "scheduled"
    assert timezone.localtime(monthly.starts_at).date() == timezone.localdate()
    assert 6 <= monthly.agenda_items.count() <= 8
    roles = set(monthly.participants.values_list("role", flat=True))
    assert roles == {"chair", "secretary", "member", "guest"}
    assert monthly.participants.filter(response="decline").exclude(response_reason="").exists()
    assert sorted(m.status for m in meetings.values()) == ["ended", "scheduled", "scheduled"]
    revisions = {m.pk: m.revision for m in meetings.values()}
    call_command("seed_demo", "--password", "demo-5678", stdout=StringIO())
    assert Meeting.objects.count() == 3
    assert {m.pk: m.revision for m in Meeting.objects.all()} == revisions
