"""Invitations as numbered papers sealed by the unit (issue 10, part 6; fn98)."""

from __future__ import annotations

import email
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core import mail
from django.test import override_settings

from ecabinet.models import Notification, RegisterEntry
from meetings.actions.preparation import do_add_participant, do_cancel_meeting, do_update_meeting
from meetings.models import Document, Meeting
from signing.actions.invitations import do_issue_invitation
from signing.models import Invitation
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.users import make_user

BASE = "https://ecab.example.gov.vn"


def pdftotext(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True, timeout=60)
    return " ".join(out.stdout.decode().split())


def pdfsig(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, timeout=60)
    return out.stdout.decode() + out.stderr.decode()


def paper_of(invitation: Invitation) -> bytes:
    assert invitation.document is not None
    version = invitation.document.versions.order_by("-number").first()
    assert version is not None
    with version.file.open("rb") as f:
        return f.read()


@override_settings(PUBLIC_BASE_URL=BASE)
class InvitationTests(PrepTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.chair.phone = ""
        self.owner.phone = "0912 345 678"
        self.owner.save(update_fields=["phone"])
        self.meeting.online_url = "https://hop.example.gov.vn/phong-1"
        self.meeting.save(update_fields=["online_url"])

    def schedule_now(self, meeting: Meeting | None = None) -> Meeting:
        with self.captureOnCommitCallbacks(execute=True):
            return self.schedule(meeting)

    def test_scheduling_issues_a_sealed_numbered_invitation_and_mails_it(self):
        give_unit_certificate(self.department, by=self.admin)
        self.schedule_now()
        invitation = Invitation.objects.get(meeting=self.meeting)
        assert invitation.status == Invitation.Status.ISSUED
        assert invitation.number == "01/GM-STC"
        assert RegisterEntry.objects.filter(kind="GM", number="01/GM-STC", unit=self.department).exists()
        data = paper_of(invitation)
        text = pdftotext(data)
        for part in ("SỞ TÀI CHÍNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Số: 01/GM-STC", "GIẤY MỜI", "Họp Phiên họp thường kỳ tháng 11", "Kính gửi",
                     "Trần Thị Thành Viên", "Nguyễn Văn Chủ Tịch", "Thời gian:", "giờ", "phút", "Địa điểm:",
                     "Phòng họp số 1", "hop.example.gov.vn/phong-1", "Chương trình họp",
                     "Báo cáo tình hình kinh tế - xã hội", "Tài liệu họp", f"ecab.example.gov.vn/meetings/{self.meeting.pk}/",
                     "Liên hệ", "0912 345 678", "CHỦ TRÌ CUỘC HỌP", "Nơi nhận:", "Như trên", "Lưu: VT"):
            assert part in text, (part, text)
        sig = pdfsig(data)
        assert "Signature is Valid" in sig, sig
        assert "Sở Tài chính" in sig, sig
        document = invitation.document
        assert document is not None and document.status == Document.Status.RELEASED
        assert document.doc_type is not None and document.doc_type.name == "Giấy mời"
        # the member's mail carries the sealed paper and a calendar entry; the notice links to the paper
        sent = [m for m in mail.outbox if m.to == [self.member.email]]
        assert len(sent) == 1
        names = {a[0]: a for a in sent[0].attachments}
        assert names["giay-moi-01-GM-STC.pdf"][1] == data
        assert names["giay-moi-01-GM-STC.pdf"][2] == "application/pdf"
        ics = names[f"cuoc-hop-{self.meeting.pk}.ics"]
        assert b"BEGIN:VEVENT" in (ics[1] if isinstance(ics[1], bytes) else ics[1].encode())
        assert ics[2] == "text/calendar"
        parsed = email.message_from_bytes(sent[0].message().as_bytes())
        assert {p.get_filename() for p in parsed.walk() if p.get_filename()} == set(names)
        note = Notification.objects.get(user=self.member, kind="meeting.invitation")
        assert note.url == f"/documents/{document.pk}/"

    def test_a_time_change_issues_a_replacement_and_a_title_change_nothing(self):
        give_unit_certificate(self.department, by=self.admin)
        self.schedule_now()
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.meeting, actor=self.owner, title="Phiên họp thường kỳ tháng 11 (mở rộng)")
        assert Invitation.objects.filter(meeting=self.meeting).count() == 1
        meeting_page = f"/meetings/{self.meeting.pk}/"
        assert "02/GM-STC" not in self.client_for(self.member).get(meeting_page).content.decode()
        start = self.meeting.starts_at + timedelta(days=1)
        with self.captureOnCommitCallbacks(execute=True):
            do_update_meeting(self.meeting, actor=self.owner, starts_at=start, ends_at=start + timedelta(hours=2))
        first, second = Invitation.objects.filter(meeting=self.meeting).order_by("pk")
        assert first.status == Invitation.Status.REPLACED and second.status == Invitation.Status.ISSUED
        assert second.number == "02/GM-STC" and second.replaces_id == first.pk
        text = pdftotext(paper_of(second))
        assert "Số: 02/GM-STC" in text
        assert "Giấy mời này thay thế Giấy mời số 01/GM-STC ngày" in text, text
        assert "Signature is Valid" in pdfsig(paper_of(second))
        # the page kept its list under the meeting's revision: the change moved it
        page = self.client_for(self.member).get(meeting_page).content.decode()
        assert f'data-testid="invitation-{second.pk}"' in page and "02/GM-STC" in page
        first.refresh_from_db()
        assert first.document is not None and "đã được thay thế" in first.document.title
        sent = [m for m in mail.outbox if m.to == [self.member.email]]
        assert [a[0] for a in sent[-1].attachments][0] == "giay-moi-02-GM-STC.pdf"

    def test_without_a_certificate_the_invitation_waits_then_is_sealed(self):
        self.schedule_now()
        self.meeting.refresh_from_db()
        assert self.meeting.status == Meeting.Status.SCHEDULED
        invitation = Invitation.objects.get(meeting=self.meeting)
        assert invitation.status == Invitation.Status.PENDING_SEAL
        assert invitation.pending_reason == "no_unit_certificate"
        assert invitation.number == "01/GM-STC" and invitation.document is None
        sent = [m for m in mail.outbox if m.to == [self.member.email]]
        assert [a[0] for a in sent[0].attachments] == [f"cuoc-hop-{self.meeting.pk}.ics"]
        page = self.client_for(self.owner).get(f"/meetings/{self.meeting.pk}/").content.decode()
        assert "01/GM-STC" in page and 'data-testid="invitation-pending"' in page
        # the member sees the number but no button
        page = self.client_for(self.member).get(f"/meetings/{self.meeting.pk}/").content.decode()
        assert "01/GM-STC" in page and 'data-testid="issue-invitation"' not in page
        give_unit_certificate(self.department, by=self.admin)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client_for(self.owner).post(f"/signing/invitations/{invitation.pk}/issue/")
        assert response.status_code == 302
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ISSUED and invitation.number == "01/GM-STC"
        assert "Signature is Valid" in pdfsig(paper_of(invitation))
        # the pages seen before show the sealed paper at once, not the kept waiting one
        page = self.client_for(self.owner).get(f"/meetings/{self.meeting.pk}/").content.decode()
        assert 'data-testid="invitation-pending"' not in page and 'data-testid="issue-invitation"' not in page
        assert f'href="/documents/{invitation.document_id}/"' in page
        sent = [m for m in mail.outbox if m.to == [self.member.email]]
        assert "giay-moi-01-GM-STC.pdf" in [a[0] for a in sent[0].attachments]
        # issued once: a second try is refused (back to the page with the reason)
        response = self.client_for(self.owner).post(f"/signing/invitations/{invitation.pk}/issue/", follow=True)
        assert "không chờ chữ ký số của cơ quan" in response.content.decode()
        assert Document.objects.filter(meeting=self.meeting, doc_type__code="giay-moi").count() == 1

    def test_forbidden_paths(self):
        self.schedule_now()
        invitation = Invitation.objects.get(meeting=self.meeting)
        give_unit_certificate(self.department, by=self.admin)
        url = f"/signing/invitations/{invitation.pk}/issue/"
        assert self.client_for(self.member).post(url).status_code == 403
        assert self.client_for(self.outsider).post(url).status_code == 404
        response = self.client.post(url)
        assert response.status_code == 302 and "/login" in response["Location"]
        assert self.client_for(self.owner).get(url).status_code == 405
        assert self.client_for(self.owner).post("/signing/invitations/999999/issue/").status_code == 404
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.PENDING_SEAL
        # the sealed paper is for the meeting's people only
        do_issue_invitation(invitation, actor=self.owner)
        invitation.refresh_from_db()
        assert invitation.document is not None
        doc = f"/documents/{invitation.document_id}/download/"
        assert self.client_for(self.member).get(doc).status_code == 200
        assert self.client_for(self.outsider).get(doc).status_code == 404
        assert self.client.get(doc).status_code == 302
        page = self.client_for(self.outsider).get(f"/meetings/{self.meeting.pk}/")
        assert page.status_code == 404

    def test_an_office_clerk_of_the_unit_may_seal_a_waiting_invitation(self):
        self.schedule_now()
        invitation = Invitation.objects.get(meeting=self.meeting)
        give_unit_certificate(self.department, by=self.admin)
        clerk = make_user("clerk", unit=self.department, full_name="Văn Thư", roles=("unit_admin",))
        other = make_user("clerk2", unit=self.other_unit, full_name="Văn Thư Khác", roles=("unit_admin",))
        assert self.client_for(other).post(f"/signing/invitations/{invitation.pk}/issue/").status_code == 404
        with self.captureOnCommitCallbacks(execute=True):
            do_issue_invitation(invitation, actor=clerk)
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ISSUED and invitation.sealed_by == clerk

    def test_a_cancelled_meeting_cannot_have_its_invitation_sealed(self):
        self.schedule_now()
        invitation = Invitation.objects.get(meeting=self.meeting)
        give_unit_certificate(self.department, by=self.admin)
        do_cancel_meeting(self.meeting, actor=self.owner, reason="Hoãn họp")
        response = self.client_for(self.owner).post(f"/signing/invitations/{invitation.pk}/issue/")
        assert response.status_code == 302
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.PENDING_SEAL and invitation.document is None


@override_settings(PUBLIC_BASE_URL=BASE)
class InvitationContentTests(PrepTestCase):
    def test_a_person_added_later_receives_the_invitation_in_force(self):
        give_unit_certificate(self.department, by=self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            self.schedule()
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            do_add_participant(self.meeting, actor=self.owner, user=self.member2)
        sent = [m for m in mail.outbox if m.to == [self.member2.email]]
        assert [a[0] for a in sent[0].attachments] == ["giay-moi-01-GM-STC.pdf", f"cuoc-hop-{self.meeting.pk}.ics"]
        assert Invitation.objects.filter(meeting=self.meeting).count() == 1

    def test_an_online_meeting_with_many_invitees_names_their_units(self):
        give_unit_certificate(self.department, by=self.admin)
        do_update_meeting(self.meeting, actor=self.owner, room=None, online_url="https://hop.example.gov.vn/p2")
        for i in range(13):
            user = make_user(f"nguoi{i}", unit=self.other_unit if i % 2 else self.department, full_name=f"Người {i}")
            do_add_participant(self.meeting, actor=self.owner, user=user)
        with self.captureOnCommitCallbacks(execute=True):
            self.schedule()
        invitation = Invitation.objects.get(meeting=self.meeting)
        text = pdftotext(paper_of(invitation))
        assert "Sở Y tế (6 đại biểu)" in text and "Sở Tài chính (8 đại biểu)" in text, text
        assert "Địa điểm: họp trực tuyến" in text and "hop.example.gov.vn/p2" in text
        assert "Người 3" not in text

    def test_a_meeting_without_a_unit_issues_nothing(self):
        loose = Meeting.objects.create(title="Họp không đơn vị", starts_at=self.meeting.starts_at,
                                       ends_at=self.meeting.ends_at, created_by=self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            factories.schedule_meeting(loose, by=self.admin)
        loose.refresh_from_db()
        assert loose.status == Meeting.Status.SCHEDULED
        assert not Invitation.objects.filter(meeting=loose).exists()

    def test_the_meeting_page_button_posts_with_its_csrf_token(self):
        import re

        from django.test import Client

        with self.captureOnCommitCallbacks(execute=True):
            self.schedule()
        give_unit_certificate(self.department, by=self.admin)
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.owner)
        page = client.get(f"/meetings/{self.meeting.pk}/").content.decode()
        form = re.search(r'action="(/signing/invitations/\d+/issue/)"[^>]*>\s*<input type="hidden" '
                         r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert form is not None, page
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)})
        assert response.status_code == 302
        assert Invitation.objects.get(meeting=self.meeting).status == Invitation.Status.ISSUED
        page = client.get(f"/meetings/{self.meeting.pk}/").content.decode()
        assert 'data-testid="invitation-pending"' not in page and "đã ban hành" in page
