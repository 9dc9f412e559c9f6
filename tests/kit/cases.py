"""The one place for base test cases.

BaseTestCase: the kit's named users (tests/kit/users.py) and API/login helpers; every
allowed-path test has a forbidden-path test beside it, and these names keep them readable.
PrepTestCase: a draft meeting run by `owner` with `member` invited, for the preparation tests.
SigningTestCase: people with certificates and an ended meeting with its minutes, for the signing
workflow tests.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from typing import Any
from unittest import mock

from django.test import Client, TestCase, override_settings
from django.utils import timezone

from ecabinet.models import Position, User
from ecabinet.roles import ORGANISER
from meetings.models import Document, Meeting, MeetingRoom, MeetingType
from signing.actions.certificates import issue_certificate_for
from signing.actions.documents import store_version
from signing.pdf import pki
from signing.trust import ensure_installation_ca
from tests.kit import factories
from tests.kit.files import make_pdf, media_files
from tests.kit.users import client_for, make_people, make_user

PIN = "pin-đúng-2026"
OTHER_PIN = "pin-khác-2026"


class BaseTestCase(TestCase):
    """owner: the person whose object is under test (an organiser: may convene meetings for
    their unit); member: takes part without owning it; outsider: signed in, unrelated;
    guest: from the committee, invited as a guest where a test needs one; admin: system
    administrator. Anonymous is `self.client`."""

    @classmethod
    def setUpTestData(cls) -> None:
        people = make_people()
        cls.committee, cls.department, cls.other_unit = people.committee, people.department, people.other_unit
        cls.position = people.position
        cls.owner, cls.member, cls.outsider = people.owner, people.member, people.outsider
        cls.guest, cls.admin = people.guest, people.admin

    def client_for(self, user: User) -> Client:
        return client_for(user)

    def api(self, method: str, path: str, data: Any = None, *, user: User | None = None,
            token: str | None = None, **extra) -> Any:
        client = self.client_for(user) if user is not None else Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        body = json.dumps(data) if data is not None and not isinstance(data, (str, bytes)) else data
        return getattr(client, method.lower())(
            path, body, content_type="application/json", **headers, **extra
        )

    def assert_error(self, response, status: int, code: str | None = None) -> dict:
        self.assertEqual(response.status_code, status, response.content[:500])
        payload = response.json()
        self.assertIn("error", payload)
        self.assertTrue(payload["error"]["message"])
        if code is not None:
            self.assertEqual(payload["error"]["code"], code)
        return payload["error"]


class PrepTestCase(BaseTestCase):
    """owner: secretary (creator); chair: the chair; member: invited member; member2: another
    invitee; unit_admin: admin of the committee; outsider: signed in, unrelated."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.chair = make_user("chair", unit=cls.committee, full_name="Nguyễn Văn Chủ Tịch")
        cls.member2 = make_user("member2", unit=cls.department, full_name="Phạm Thị Hai")
        cls.deputy = make_user("deputy", unit=cls.department, full_name="Hoàng Văn Phó")
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        cls.room = MeetingRoom.objects.create(name="Phòng họp số 1", unit=cls.committee, capacity=60,
                                              seat_rows=6, seats_per_row=10)
        cls.kind = MeetingType.objects.create(name="Họp thường kỳ")

    def setUp(self) -> None:
        super().setUp()
        self.meeting = self.make_meeting()

    def make_meeting(self, *, title: str = "Phiên họp thường kỳ tháng 11", days: int = 3,
                     scheduled: bool = False, actor: User | None = None) -> Meeting:
        start = timezone.now().replace(microsecond=0) + timedelta(days=days)
        actor = actor or self.owner
        meeting = factories.make_meeting(
            by=actor, title=title, starts_at=start, hours=3, unit=self.department, meeting_type=self.kind,
            room=self.room, chair=self.chair, members=[self.member],
            items=[{"title": "Báo cáo tình hình kinh tế - xã hội", "duration_minutes": 30}],
            status=Meeting.Status.SCHEDULED if scheduled else Meeting.Status.DRAFT,
        )
        meeting.refresh_from_db()
        return meeting

    def schedule(self, meeting: Meeting | None = None) -> Meeting:
        meeting = meeting or self.meeting
        return factories.schedule_meeting(meeting, by=self.owner)

    def api(self, *args, **kwargs):
        # TestCase never commits: run the after-commit work (emails, live notices) like production.
        with self.captureOnCommitCallbacks(execute=True):
            return super().api(*args, **kwargs)

    def url(self, suffix: str = "", meeting: Meeting | None = None) -> str:
        return f"/api/v1/meetings/{(meeting or self.meeting).pk}{suffix}"


class SigningTestCase(BaseTestCase):
    """owner uploads/requests; member and chair sign; secretary runs the meeting."""

    @classmethod
    def setUpClass(cls) -> None:
        # The signing/ conftest turns off the per-test media folder; use one per class instead.
        cls._media_dir = tempfile.mkdtemp(prefix="signflow-media-")
        cls._media_settings = override_settings(MEDIA_ROOT=cls._media_dir)
        cls._media_settings.enable()
        # Argon2id at full cost (~0.5 s per unlock) would dominate the suite; the blob records
        # its own parameters, so cheaper ones change nothing else.
        cls._argon = mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1)
        cls._argon.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._argon.stop()
        cls._media_settings.disable()
        shutil.rmtree(cls._media_dir, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ensure_installation_ca()
        chair_position = Position.objects.create(name="Chủ tịch UBND tỉnh", rank=10)
        cls.chair = make_user("chair", unit=cls.committee, full_name="Nguyễn Văn Thành",
                              position=chair_position)
        cls.secretary = make_user("secretary", unit=cls.committee, full_name="Trần Thị Hồng Nhung",
                                  roles=(ORGANISER,))
        for user in (cls.owner, cls.member, cls.chair, cls.secretary, cls.outsider, cls.guest):
            issue_certificate_for(user, PIN)
        now = timezone.now()
        cls.meeting = factories.make_meeting(
            by=cls.secretary, title="Họp UBND tỉnh tháng 6", starts_at=now - timedelta(hours=2), hours=1,
            unit=cls.committee, chair=cls.chair, members=[cls.member, cls.owner], guests=[cls.guest],
            status=Meeting.Status.SCHEDULED,
        )
        for user in (cls.chair, cls.member, cls.guest, cls.owner):
            factories.answer_invitation(cls.meeting, by=user, response="attend")
        cls.meeting = factories.bring_to(cls.meeting, Meeting.Status.ENDED, by=cls.secretary)
        cls.minutes = cls.make_meeting_document("Biên bản cuộc họp", uploaded_by=cls.secretary)

    @classmethod
    def make_meeting_document(cls, title: str, *, uploaded_by, confidential: bool = False) -> Document:
        # ORM on purpose: the meeting has ended, and no action uploads to an ended meeting (the
        # minutes action does, but only for the minutes: see run_meeting in tests/kit/meetings.py).
        document = Document.objects.create(meeting=cls.meeting, title=title, uploaded_by=uploaded_by,
                                           status=Document.Status.RELEASED, confidential=confidential)
        store_version(document, make_pdf(2, "Biên bản họp UBND tỉnh"), actor=uploaded_by, note="upload", original_name="bien-ban.pdf")
        return document

    @classmethod
    def make_own_document(cls, user, title: str = "Tờ trình") -> Document:
        document = Document.objects.create(title=title, uploaded_by=user, status=Document.Status.RELEASED)
        store_version(document, make_pdf(1, title), actor=user, note="upload", original_name="to-trinh.pdf")
        return document

    def media_files(self) -> list[str]:
        return media_files(self._media_dir)

    def latest_bytes(self, document: Document) -> bytes:
        version = document.versions.order_by("-number").first()
        with version.file.open("rb") as fh:
            return fh.read()

    def sign(self, document: Document, user, pin: str = PIN, **extra):
        return self.api("post", f"/api/v1/documents/{document.pk}/signatures", {"pin": pin, **extra}, user=user)

    def ask(self, document: Document, signers: list, *, user, sequential: bool = True, **extra):
        return self.api("post", "/api/v1/signing/requests",
                        {"document": document.pk, "signers": [u.username for u in signers],
                         "sequential": sequential, **extra}, user=user)
