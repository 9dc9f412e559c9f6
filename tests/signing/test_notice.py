"""The conclusion notice (thông báo kết luận, fn102): drafted from a real meeting's conclusions,
approved by the chair (or the participant named), issued by the office under the unit's number
and seal, sent to the participants and the assigned units; deadlines and reminders."""

from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from ecabinet.models import Notification, RegisterEntry, ReminderSent
from meetings.models import Document, Meeting
from signing.models import ConclusionNotice
from signing.notices import due_date
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from tests.kit import factories as f
from tests.kit.cases import SigningTestCase
from tests.kit.meetings import ITEM1_CONCLUSION, ITEM2_CONCLUSION, MEETING_CONCLUSION, run_meeting
from tests.kit.users import make_user

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def url(meeting: Meeting, tail: str = "") -> str:
    return f"/api/v1/meetings/{meeting.pk}/notice{tail}"


def make_clerk(username: str, unit) -> object:  # noqa: ANN001
    clerk = make_user(username, unit=unit, full_name="Văn Thư Phát Hành")
    clerk.user_permissions.add(Permission.objects.get(codename="issue_documents"))
    return clerk


class NoticeTestCase(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clerk = make_clerk("clerk", cls.committee)
        f.give_unit_certificate(cls.committee, by=cls.admin)

    def end(self, meeting: Meeting) -> Meeting:
        meeting.refresh_from_db()
        if meeting.status != Meeting.Status.ENDED:  # SigningTestCase's meeting has ended already
            meeting = f.bring_to(meeting, Meeting.Status.ENDED, by=self.secretary)
        meeting.refresh_from_db()
        return meeting

    def through(self, meeting: Meeting) -> ConclusionNotice:
        """Draft, submit, approve (chair), issue (clerk) through the API."""
        draft = self.api("post", url(meeting), user=self.secretary)
        self.assertEqual(draft.status_code, 201, draft.content[:500])
        version = draft.json()["version"]
        response = self.api("post", url(meeting, "/submit"), {"version": version}, user=self.secretary)
        self.assertEqual(response.status_code, 200, response.content[:500])
        response = self.api("post", url(meeting, "/decision"), {"approve": True}, user=self.chair)
        self.assertEqual(response.status_code, 200, response.content[:500])
        response = self.api("post", url(meeting, "/issue"), user=self.clerk)
        self.assertEqual(response.status_code, 200, response.content[:500])
        return ConclusionNotice.objects.select_related("document", "register_entry").get(meeting=meeting)


class NoticeFlowTests(NoticeTestCase):
    def test_from_the_conclusions_to_the_sealed_numbered_notice(self) -> None:
        rec = run_meeting(self)
        meeting = rec.meeting
        # the conclusions assign units (the room's API)
        response = self.api("post", f"/api/v1/live/items/{rec.item2.pk}/conclusion",
                            {"text": ITEM2_CONCLUSION, "units": [self.other_unit.pk, self.department.pk]},
                            user=self.secretary)
        self.assertEqual(response.status_code, 200, response.content[:500])
        self.assertEqual(set(rec.item2.assigned_units.values_list("pk", flat=True)),
                         {self.other_unit.pk, self.department.pk})
        bad = self.api("post", f"/api/v1/live/items/{rec.item2.pk}/conclusion", {"text": "x", "units": [999999]},
                       user=self.secretary)
        self.assert_error(bad, 400, "bad_unit")

        draft = self.api("post", url(meeting), user=self.secretary)
        self.assertEqual(draft.status_code, 201, draft.content[:500])
        data = draft.json()
        self.assertEqual(data["status"], "draft")
        self.assertEqual(data["approver"]["username"], self.chair.username)
        self.assertEqual(data["due_date"], due_date(meeting).isoformat())
        body = data["body"]
        for expected in (f"đồng chí {self.chair.full_name}, Chủ tịch UBND tỉnh", "chủ trì cuộc họp", meeting.title,
                         "tham dự có", "Sau khi nghe", "kết luận như sau:", "1. Phân bổ vốn đầu tư công năm 2027",
                         ITEM1_CONCLUSION, "2. Đề án phát triển y tế cơ sở", ITEM2_CONCLUSION,
                         "Đơn vị thực hiện: Sở Tài chính, Sở Y tế", MEETING_CONCLUSION,
                         "Văn phòng Ủy ban nhân dân tỉnh Thử thông báo để các cơ quan, đơn vị biết, thực hiện./."):
            self.assertIn(expected, body)
        # the secretary edits (sanitized, version checked)
        edited = body.replace("</p>", " Bổ sung.<script>alert(1)</script></p>", 1)
        saved = self.api("put", url(meeting), {"body": edited, "version": data["version"]}, user=self.secretary)
        self.assertEqual(saved.status_code, 200, saved.content[:500])
        self.assertNotIn("<script>", saved.json()["body"])
        self.assertIn("Bổ sung.", saved.json()["body"])
        stale = self.api("put", url(meeting), {"body": edited, "version": data["version"]}, user=self.secretary)
        self.assert_error(stale, 409, "stale")
        version = saved.json()["version"]
        self.assert_error(self.api("post", url(meeting, "/issue"), user=self.clerk), 409, "wrong_status")
        submitted = self.api("post", url(meeting, "/submit"), {"version": version}, user=self.secretary)
        self.assertEqual(submitted.json()["status"], "submitted")
        self.assertTrue(Notification.objects.filter(user=self.chair, kind="notice.submitted").exists())
        approved = self.api("post", url(meeting, "/decision"), {"approve": True}, user=self.chair)
        self.assertEqual(approved.json()["status"], "approved")
        self.assertTrue(Notification.objects.filter(user=self.clerk, kind="notice.approved").exists())
        Notification.objects.all().delete()

        issued = self.api("post", url(meeting, "/issue"), user=self.clerk)
        self.assertEqual(issued.status_code, 200, issued.content[:500])
        out = issued.json()
        self.assertEqual((out["status"], out["number"]), ("issued", "01/TB-UBND"))
        notice = ConclusionNotice.objects.get(meeting=meeting)
        self.assertEqual(notice.register_entry.kind, RegisterEntry.Kind.NOTICE)
        document = Document.objects.get(pk=out["document"])
        self.assertEqual((document.meeting_id, document.status), (meeting.pk, Document.Status.RELEASED))
        self.assertTrue(document.title.startswith("Thông báo số 01/TB-UBND"))
        data = document.versions.get().file.read()

        text = pdf_text(data)
        for expected in ("ỦY BAN NHÂN DÂN TỈNH THỬ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                         "Số: 01/TB-UBND", "THÔNG BÁO", f"Kết luận của đồng chí {self.chair.full_name}",
                         f"tại cuộc họp {meeting.title}", "kết luận như sau:", ITEM1_CONCLUSION, ITEM2_CONCLUSION,
                         MEETING_CONCLUSION, "Bổ sung.", "thông báo để các cơ quan, đơn vị biết, thực hiện./.",
                         "Nơi nhận:", "- Sở Tài chính;", "- Sở Y tế;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN",
                         "CHỦ TỊCH UBND TỈNH", self.chair.full_name):
            self.assertIn(expected, text)
        self.assertNotIn("- Ủy ban nhân dân tỉnh Thử;", text)  # not sent to itself
        local = timezone.localtime(notice.issued_at, LOCAL)
        self.assertIn(f"ngày {local.day:02d} tháng", text)

        # the unit's signature, in its field at the signer's block, valid
        reader = PdfReader(io.BytesIO(data))
        fields = reader.get_fields() or {}
        self.assertIn("CoQuan", fields)
        self.assertEqual(fields["CoQuan"].get("/FT"), "/Sig")
        self.assertIsNotNone(fields["CoQuan"].get("/V"))
        report = verify_pdf_bytes(data, trust_roots=[*installation_trust_roots()])
        self.assertEqual(report["status"], "valid", report)
        self.assertEqual([s["signer"] for s in report["signatures"]], [self.committee.name])
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(data)
            tmp.flush()
            pdfsig = subprocess.run(["pdfsig", "-nocert", tmp.name], capture_output=True)
        output = pdfsig.stdout.decode()
        self.assertIn("Signature is Valid", output)
        self.assertIn(self.committee.name, output)

        # participants and the people of the assigned units are told, with the link
        told = set(Notification.objects.filter(kind="notice.issued").values_list("user__username", flat=True))
        for user in (self.chair, self.secretary, self.member, self.owner, self.guest, rec.absent1, rec.deputy):
            self.assertIn(user.username, told)
        self.assertIn(self.outsider.username, told)  # Sở Y tế is assigned
        link = Notification.objects.filter(kind="notice.issued", user=self.outsider).get().url
        self.assertEqual(link, f"/meetings/{meeting.pk}/notice/notice.pdf")
        got = self.client_for(self.outsider).get(link)
        self.assertEqual(got.status_code, 200)
        self.assertEqual(b"".join(got.streaming_content) if got.streaming else got.content, data)
        self.assertEqual(self.client_for(self.clerk).get(link).status_code, 200)
        stranger = make_user("stranger", unit=None)
        self.assertEqual(self.client_for(stranger).get(link).status_code, 404)
        self.assertEqual(Client().get(link).status_code, 302)

        # the second notice of the unit this year takes the next number
        second = self.through(self.end(self.meeting))
        self.assertEqual(second.number, "02/TB-UBND")
        self.assertIn("Số: 02/TB-UBND", pdf_text(second.document.versions.get().file.read()))
        # issued means final
        self.assert_error(self.api("post", url(meeting, "/issue"), user=self.clerk), 409, "wrong_status")
        self.assert_error(self.api("put", url(meeting), {"body": "<p>x</p>", "version": notice.version + 1},
                                   user=self.secretary), 409, "wrong_status")


class NoticeRefusalTests(NoticeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ended = self.end(self.meeting)

    def test_who_may_do_what(self) -> None:
        m = self.ended
        self.assert_error(self.api("post", url(m), user=self.member), 403)  # a member does not draft
        self.assert_error(self.api("post", url(m), user=self.outsider), 404)
        self.assertEqual(self.api("post", url(m)).status_code, 401)
        self.assert_error(self.api("get", url(m), user=self.secretary), 404, "no_notice")
        draft = self.api("post", url(m), user=self.secretary).json()
        self.assert_error(self.api("post", url(m), user=self.secretary), 409, "notice_exists")
        self.api("post", url(m, "/submit"), {"version": draft["version"]}, user=self.secretary)
        # the secretary cannot approve for the chair, nor the clerk
        self.assert_error(self.api("post", url(m, "/decision"), {"approve": True}, user=self.secretary), 403,
                          "not_approver")
        self.assert_error(self.api("post", url(m, "/decision"), {"approve": True}, user=self.clerk), 403,
                          "not_approver")
        self.assert_error(self.api("post", url(m, "/decision"), {"approve": True}, user=self.member), 403)
        self.api("post", url(m, "/decision"), {"approve": True}, user=self.chair)
        # only the office issues: not the secretary, not the chair, not a clerk of another unit
        self.assert_error(self.api("post", url(m, "/issue"), user=self.secretary), 403, "not_issuer")
        self.assert_error(self.api("post", url(m, "/issue"), user=self.chair), 403, "not_issuer")
        other_clerk = make_clerk("clerk2", self.other_unit)
        self.assert_error(self.api("post", url(m, "/issue"), user=other_clerk), 404)
        self.assertFalse(RegisterEntry.objects.filter(kind=RegisterEntry.Kind.NOTICE).exists())
        self.assertEqual(ConclusionNotice.objects.get(meeting=m).status, "approved")

    def test_not_before_the_meeting_ended(self) -> None:
        meeting = f.make_meeting(by=self.secretary, title="Chưa họp", starts_at=timezone.now() + timedelta(days=1),
                                 hours=1, unit=self.committee, chair=self.chair, members=[self.member],
                                 status=Meeting.Status.SCHEDULED)
        self.assert_error(self.api("post", url(meeting), user=self.secretary), 409, "not_ended")

    def test_named_approver_and_sending_back(self) -> None:
        m = self.ended
        draft = self.api("post", url(m), user=self.secretary).json()
        bad = self.api("put", url(m), {"body": draft["body"], "version": draft["version"], "approver": self.guest.pk},
                       user=self.secretary)
        self.assert_error(bad, 400, "bad_approver")
        saved = self.api("put", url(m), {"body": draft["body"], "version": draft["version"],
                                         "approver": self.member.pk}, user=self.secretary).json()
        self.assertEqual(saved["approver"]["username"], self.member.username)
        self.api("post", url(m, "/submit"), {"version": saved["version"]}, user=self.secretary)
        self.assert_error(self.api("post", url(m, "/decision"), {"approve": True}, user=self.chair), 403)
        self.assert_error(self.api("post", url(m, "/decision"), {"approve": False}, user=self.member), 400,
                          "reason_required")
        back = self.api("post", url(m, "/decision"), {"approve": False, "reason": "Bổ sung ý kiến Sở Y tế"},
                        user=self.member).json()
        self.assertEqual((back["status"], back["returned_reason"]), ("draft", "Bổ sung ý kiến Sở Y tế"))
        self.assertTrue(Notification.objects.filter(user=self.secretary, kind="notice.returned").exists())
        empty = self.api("put", url(m), {"body": "<p> </p><script>x</script>", "version": back["version"]},
                         user=self.secretary)
        self.assert_error(empty, 400, "empty")

    def test_no_unit_certificate_gives_the_number_back(self) -> None:
        from signing.models import UnitCertificate

        UnitCertificate.objects.filter(unit=self.committee).update(revoked_at=timezone.now())
        m = self.ended
        draft = self.api("post", url(m), user=self.secretary).json()
        self.api("post", url(m, "/submit"), {"version": draft["version"]}, user=self.secretary)
        self.api("post", url(m, "/decision"), {"approve": True}, user=self.chair)
        files = self.media_files()
        self.assert_error(self.api("post", url(m, "/issue"), user=self.clerk), 409, "no_unit_certificate")
        self.assertFalse(RegisterEntry.objects.filter(kind=RegisterEntry.Kind.NOTICE).exists())
        self.assertFalse(Document.objects.filter(meeting=m, title__startswith="Thông báo").exists())
        self.assertEqual(self.media_files(), files)
        self.assertEqual(ConclusionNotice.objects.get(meeting=m).status, "approved")


class DeadlineTests(NoticeTestCase):
    def ended_on(self, day: date) -> Meeting:
        meeting = self.end(self.meeting)
        ended = datetime(day.year, day.month, day.day, 16, 0, tzinfo=LOCAL)
        Meeting.objects.filter(pk=meeting.pk).update(ended_at=ended)  # a past day no action can set
        meeting.refresh_from_db()
        return meeting

    def test_five_working_days_across_a_weekend_and_tet(self) -> None:
        self.assertEqual(due_date(self.ended_on(date(2026, 12, 4))), date(2026, 12, 11))  # Friday -> Friday
        self.assertEqual(due_date(self.ended_on(date(2026, 12, 9))), date(2026, 12, 16))  # over a weekend
        # Tết 2027: 4-10 February off; a meeting on Wednesday 3 February is due Wednesday 17
        self.assertEqual(due_date(self.ended_on(date(2027, 2, 3))), date(2027, 2, 17))

    def test_home_shows_the_deadline_and_flags_it_overdue(self) -> None:
        today = timezone.localdate()
        meeting = self.ended_on(today - timedelta(days=10))
        page = self.client_for(self.secretary).get("/").content.decode()
        self.assertIn(f'data-testid="notice-due-{meeting.pk}"', page)
        self.assertIn(due_date(meeting).strftime("%d/%m/%Y"), page)
        self.assertIn(f'data-testid="notice-overdue-{meeting.pk}"', page)
        self.assertIn("quá hạn", page)
        self.assertNotIn("notice-due-", self.client_for(self.member).get("/").content.decode())
        # once issued it leaves the list
        self.through(meeting)
        self.assertNotIn(f"notice-due-{meeting.pk}", self.client_for(self.secretary).get("/").content.decode())

    def test_reminders_go_once_before_and_once_when_overdue(self) -> None:
        meeting = self.ended_on(date(2026, 12, 4))  # due Friday 11 December
        self.api("post", url(meeting), user=self.secretary)
        ConclusionNotice.objects.filter(meeting=meeting).update(approver=self.member)

        def run(day: date) -> None:
            now = datetime(day.year, day.month, day.day, 8, 0, tzinfo=LOCAL)
            Meeting.objects.filter(pk=meeting.pk).update(ended_at=datetime(2026, 12, 4, 16, tzinfo=LOCAL))
            with self.settings():
                from unittest import mock

                with mock.patch("django.utils.timezone.now", return_value=now):
                    call_command("send_reminders", verbosity=0)

        def count(kind_user) -> int:  # noqa: ANN001
            return Notification.objects.filter(kind="notice.due", user=kind_user).count()

        run(date(2026, 12, 9))  # two working days before: nothing yet
        self.assertEqual(count(self.secretary), 0)
        run(date(2026, 12, 10))  # one working day before
        run(date(2026, 12, 10))  # the job runs twice
        self.assertEqual((count(self.secretary), count(self.member)), (1, 1))
        self.assertTrue(ReminderSent.objects.filter(key=f"notice-due:{meeting.pk}:before").exists())
        run(date(2026, 12, 14))  # overdue
        run(date(2026, 12, 15))
        self.assertEqual((count(self.secretary), count(self.member)), (2, 2))
        self.assertEqual(count(self.chair), 0)
