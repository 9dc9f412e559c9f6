"""What the minutes say (Decree 30/2020 form 1.9, Decision 45/2018): a real meeting run through the
actions — a secretary who never checked in, a remote member, a delegate, absentees with and
without a reason, an item taken up out of order, a postponed item, speeches with the secretary's
summaries, an open and a secret vote, conclusions — written as HTML in the rich-text subset and
checked part by part; the number from the unit's register at freeze; the speech summary action
(who, when, how long)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from ecabinet.models import RegisterEntry
from ecabinet.richtext import ALLOWED_TAGS, plain_text, sanitize
from meetings.actions import agenda as agenda_actions
from meetings.actions import room as room_actions
from meetings.models import AgendaItem, Meeting, MeetingEvent, Participant, SpeakerRequest
from signing.models import Minutes
from tests.kit import factories as f
from tests.kit.cases import SigningTestCase
from tests.kit.users import make_user
from tests.signing.test_minutes import pdf_text

ITEM1 = "Phân bổ vốn đầu tư công năm 2027"
ITEM2 = "Đề án phát triển y tế cơ sở"
ITEM3 = "Quy hoạch khu đô thị phía Tây"
SUMMARY = "Đề nghị bổ sung số liệu giải ngân quý III.\nThống nhất với tờ trình <b>của Sở</b>."
QUESTION_SUMMARY = "Hỏi về tiến độ giải phóng mặt bằng & nguồn vốn đối ứng."
CONCLUSION1 = "Thống nhất thông qua phương án phân bổ vốn."
CONCLUSION3 = "Giao Sở Xây dựng hoàn thiện hồ sơ quy hoạch."
MEETING_CONCLUSION = "Các sở, ngành khẩn trương triển khai các nội dung đã thống nhất.\nBáo cáo kết quả trước ngày 15/12."


def url(meeting: Meeting, tail: str = "") -> str:
    return f"/api/v1/meetings/{meeting.pk}/minutes{tail}"


class MinutesContentCase(SigningTestCase):
    def run_meeting(self, *, end: bool = True):
        """The scenario of this file, every step through the actions."""
        secretary, chair = self.secretary, self.chair
        self.absent1 = make_user("absent1", unit=self.department, full_name="Phạm Thị Vắng")
        self.absent2 = make_user("absent2", unit=self.department, full_name="Hoàng Văn Ủy")
        self.silent = make_user("silent", unit=self.department, full_name="Lý Văn Im")
        self.deputy = make_user("deputy", unit=self.department, full_name="Đỗ Minh Thay")
        meeting = f.make_meeting(
            by=secretary, title="Phiên họp UBND tỉnh thường kỳ tháng 11",
            starts_at=timezone.now() + timedelta(hours=1), hours=2, unit=self.committee,
            location="Phòng họp số 1, Trụ sở UBND tỉnh", chair=chair,
            online_url="https://hop.example.gov.vn/ubnd-11",
            members=[self.member, self.owner, self.absent1, self.absent2, self.silent], guests=[self.guest],
            items=[{"title": ITEM1, "presenter": self.owner, "duration_minutes": 30},
                   {"title": ITEM2, "duration_minutes": 20}, {"title": ITEM3, "presenting_unit": self.department}],
            status=Meeting.Status.SCHEDULED,
        )
        item1, item2, item3 = AgendaItem.objects.filter(meeting=meeting).order_by("position")
        f.answer_invitation(meeting, by=self.absent1, response="decline", reason="Đi công tác tại Hà Nội")
        f.answer_invitation(meeting, by=self.absent2, response="delegate", delegate=self.deputy)

        f.start_meeting(meeting, by=secretary)
        # the secretary never checks herself in
        for user in (chair, self.member, self.deputy):
            f.check_in(meeting, by=user)
        f.check_in(meeting, by=self.owner, remote=True)
        f.check_in_for(meeting, Participant.objects.get(meeting=meeting, user=self.guest), by=secretary)

        # item 3 is taken up first
        f.set_current_item(meeting, item3, by=secretary)
        self.speech = f.give_floor(meeting, self.member, chair=chair)
        room_actions.do_record_speech_summary(self.speech, actor=secretary, text=SUMMARY)
        f.conclude_item(item3, CONCLUSION3, by=secretary)

        f.set_current_item(meeting, item1, by=secretary)
        self.question = f.give_floor(meeting, self.guest, chair=chair, kind="question")
        self.unsummarised = f.give_floor(meeting, self.deputy, chair=chair)
        self.open_poll = f.make_poll(meeting, by=secretary, question="Thông qua phương án phân bổ vốn",
                                     opened_by=chair, votes={self.member: "agree", chair: "agree",
                                                             self.owner: "disagree"}, close=True)
        self.secret_poll = f.make_poll(meeting, by=secretary, secret=True, question="Nhân sự Giám đốc Ban QLDA",
                                       opened_by=chair, votes={self.member: "agree", chair: "disagree",
                                                               self.deputy: "agree"}, close=True)
        f.conclude_item(item1, CONCLUSION1, by=secretary)
        agenda_actions.do_postpone_agenda_item(item2, actor=chair)
        f.conclude_meeting(meeting, MEETING_CONCLUSION, by=chair)
        if end:
            f.end_meeting(meeting, by=secretary)
            # summarised after the end, before the minutes are frozen
            room_actions.do_record_speech_summary(self.question, actor=secretary, text=QUESTION_SUMMARY)
        meeting.refresh_from_db()
        self.items = (item1, item2, item3)
        return meeting

    def generate(self, meeting: Meeting) -> str:
        response = self.api("post", url(meeting), user=self.secretary)
        self.assertEqual(response.status_code, 201, response.content[:500])
        return response.json()["text"]

    def freeze(self, meeting: Meeting) -> dict:
        response = self.api("post", url(meeting, "/freeze"), user=self.secretary)
        self.assertEqual(response.status_code, 200, response.content[:500])
        return response.json()


def between(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i + len(start))]


class ContentTests(MinutesContentCase):
    def test_every_part_of_form_1_9_and_decision_45(self) -> None:
        meeting = self.run_meeting()
        html = self.generate(meeting)
        # HTML of the subset only, and already what sanitize keeps: nothing typed became markup
        self.assertEqual(set(re.findall(r"</?([a-z0-9]+)", html)) - ALLOWED_TAGS, set())
        self.assertEqual(sanitize(html).replace("\n", ""), html.replace("\n", "").strip())
        self.assertNotIn("<b>", html)
        self.assertIn("tờ trình &lt;b&gt;của Sở&lt;/b&gt;", html)
        self.assertIn("mặt bằng &amp; nguồn vốn", html)
        text = " ".join(plain_text(html).split())

        start = meeting.started_at.astimezone(timezone.get_fixed_timezone(7 * 60))
        end = meeting.ended_at.astimezone(timezone.get_fixed_timezone(7 * 60))
        self.assertIn(f"Thời gian bắt đầu: {start.hour:02d} giờ {start.minute:02d} phút, ngày {start.day:02d} "
                      f"tháng {start.month:02d} năm {start.year}.", text)
        self.assertIn("Địa điểm: Phòng họp số 1, Trụ sở UBND tỉnh; kết hợp trực tuyến qua đường dẫn "
                      "https://hop.example.gov.vn/ubnd-11.", text)
        # chair and secretary: the secretary never checked in and is present all the same
        self.assertIn(f"Chủ trì (chủ tọa): {self.chair.full_name}, Chủ tịch UBND tỉnh", text)
        self.assertIn(f"Thư ký (người ghi biên bản): {self.secretary.full_name}", text)
        absent = between(text, "Vắng mặt (3):", "Chủ trì (chủ tọa)")
        self.assertNotIn(self.secretary.full_name, absent)
        self.assertNotIn(self.chair.full_name, absent)
        self.assertNotIn(self.secretary.full_name, between(text, "Thành phần tham dự", "Chủ trì (chủ tọa)"))
        # 6 present: chair, secretary, member, owner (remote), deputy, guest
        self.assertIn("Thành phần tham dự: có mặt 6 người (trong đó 1 người tham dự trực tuyến); vắng mặt 3 người.",
                      text)
        members = between(text, "Thành viên dự họp (3):", "Khách mời (1):")
        self.assertIn(f"{self.member.full_name}, Sở Tài chính.", members)
        self.assertIn(f"{self.owner.full_name}, Sở Tài chính (tham dự trực tuyến).", members)
        self.assertIn("Đỗ Minh Thay, Sở Tài chính (dự thay Hoàng Văn Ủy).", members)
        self.assertIn(self.guest.full_name, between(text, "Khách mời (1):", "Vắng mặt (3):"))
        self.assertIn("Phạm Thị Vắng, Sở Tài chính: vắng mặt có lý do (Đi công tác tại Hà Nội).", absent)
        self.assertIn("Hoàng Văn Ủy, Sở Tài chính: vắng mặt có lý do, ủy quyền cho Đỗ Minh Thay dự thay.", absent)
        self.assertIn("Lý Văn Im, Sở Tài chính: vắng mặt không có lý do.", absent)

        # the agenda as it unfolded: item 3 first, then item 1; item 2 postponed, said so
        body = between(text, "NỘI DUNG CUỘC HỌP", "KẾT LUẬN CỦA CHỦ TRÌ CUỘC HỌP")
        self.assertLess(body.index(f"1. {ITEM3}"), body.index(f"2. {ITEM1}"))
        self.assertIn(f"{ITEM2}: hoãn thảo luận.", body)
        self.assertNotIn(f"3. {ITEM2}", body)
        first = between(body, f"1. {ITEM3}", f"2. {ITEM1}")
        self.assertIn("Trình bày: Sở Tài chính.", first)
        self.assertRegex(first, r"Thời gian: từ \d\d giờ \d\d phút đến \d\d giờ \d\d phút")
        self.assertRegex(first, rf"{self.member.full_name}, Sở Tài chính phát biểu lúc \d\d giờ \d\d phút \(.*\): "
                                r"Đề nghị bổ sung số liệu giải ngân quý III\. Thống nhất với tờ trình <b>của Sở</b>\.")
        self.assertIn(f"Kết luận: {CONCLUSION3}", first)
        second = between(body, f"2. {ITEM1}", "Nội dung không thảo luận")
        self.assertIn(f"Trình bày: {self.owner.full_name}, Sở Tài chính.", second)
        self.assertRegex(second, rf"{self.guest.full_name}.* đặt câu hỏi lúc .*: {re.escape(QUESTION_SUMMARY)}")
        self.assertRegex(second, r"Đỗ Minh Thay, Sở Tài chính phát biểu lúc .*: \(chưa ghi tóm tắt nội dung\)")
        # votes: the open one names the voters, the secret one gives counts only
        open_block = between(second, "Biểu quyết (biểu quyết công khai)", "Biểu quyết (bỏ phiếu kín)")
        self.assertIn(f"Đồng ý: 2 phiếu ({self.chair.full_name}, {self.member.full_name}).", open_block)
        self.assertIn(f"Không đồng ý: 1 phiếu ({self.owner.full_name}).", open_block)
        self.assertIn("Kết quả: Thông qua.", open_block)
        secret_block = between(second, "Biểu quyết (bỏ phiếu kín)", "Kết luận:")
        self.assertIn("Đồng ý: 2 phiếu.", secret_block)
        self.assertIn("Không đồng ý: 1 phiếu.", secret_block)
        self.assertIn("Số phiếu biểu quyết: 3/", secret_block)
        for person in (self.member, self.chair, self.owner):
            self.assertNotIn(person.full_name, secret_block)
        self.assertNotIn("Thay", secret_block)
        self.assertIn(f"Kết luận: {CONCLUSION1}", second)
        # the meeting's conclusion, the end time, the closing sentence of the form
        closing = text[text.index("KẾT LUẬN CỦA CHỦ TRÌ CUỘC HỌP"):]
        self.assertIn("Các sở, ngành khẩn trương triển khai các nội dung đã thống nhất. Báo cáo kết quả trước "
                      "ngày 15/12.", closing)
        self.assertIn(f"Cuộc họp kết thúc vào lúc {end.hour:02d} giờ {end.minute:02d} phút, ngày {end.day:02d} "
                      f"tháng {end.month:02d} năm {end.year}", closing)
        self.assertTrue(closing.endswith("Biên bản được lập thành bản điện tử, có chữ ký số của thư ký và chủ trì "
                                         "cuộc họp, được gửi các thành viên dự họp và lưu vào hồ sơ cuộc họp./."))
        # headings and lists are real elements
        self.assertIn("<h2>NỘI DUNG CUỘC HỌP</h2>", html)
        self.assertIn(f"<h3>1. {ITEM3}</h3>", html)
        self.assertIn("<li>", html)

    def test_whoever_ran_the_meeting_is_present(self) -> None:
        # the chair's row is taken away after the meeting (ORM: no action removes a runner from an
        # ended meeting); a member who started and ended the meeting is still present
        meeting = self.run_meeting(end=False)
        runner = Participant.objects.get(meeting=meeting, user=self.silent)
        Participant.objects.filter(pk=runner.pk).update(role=Participant.Role.CHAIR)
        f.set_current_item(meeting, None, by=self.silent)
        Participant.objects.filter(pk=runner.pk).update(role=Participant.Role.MEMBER)
        f.end_meeting(meeting, by=self.secretary)
        text = " ".join(plain_text(self.generate(meeting)).split())
        self.assertIn("Lý Văn Im, Sở Tài chính.", between(text, "Thành viên dự họp", "Khách mời"))
        self.assertIn("Vắng mặt (2):", text)


class NumberTests(MinutesContentCase):
    def test_number_from_the_register_at_freeze_printed_once(self) -> None:
        meeting = self.run_meeting()
        self.generate(meeting)
        # a typed number is refused, on the API and on the page
        error = self.assert_error(self.api("put", url(meeting), {"text": "<p>Sửa</p>", "version": 1,
                                                                 "number": "125"}, user=self.secretary),
                                  400, "number_assigned_at_issue")
        self.assertIn("sổ", error["message"])
        page = f"/meetings/{meeting.pk}/minutes/"
        client = self.client_for(self.secretary)
        refused = client.post(page + "save/", {"text": "Sửa", "version": "1", "number": "125"})
        self.assertEqual(refused.status_code, 400)
        draft = client.get(page)
        self.assertNotContains(draft, 'name="number"')
        self.assertContains(draft, "…/BB-UBND")
        self.assertEqual(Minutes.objects.get().version, 1)
        self.assertFalse(RegisterEntry.objects.filter(kind=RegisterEntry.Kind.MINUTES).exists())
        # the preview shows the blank the register will fill
        self.assertIn("Số: …/BB-UBND", pdf_text(client.get(page + "preview.pdf").content))

        data = self.freeze(meeting)
        minutes = Minutes.objects.get()
        entry = RegisterEntry.objects.get(kind=RegisterEntry.Kind.MINUTES)
        self.assertEqual((minutes.register_entry_id, minutes.number, data["number"]), (entry.pk, "01/BB-UBND",
                                                                                      "01/BB-UBND"))
        self.assertEqual((entry.unit_id, entry.kind, entry.issued_by_id), (self.committee.pk, "BB",
                                                                           self.secretary.pk))
        self.assertIn(meeting.title, entry.title)
        from meetings.models import Document
        pdf = pdf_text(self.latest_bytes(Document.objects.get(pk=data["document"])))
        self.assertEqual(pdf.count("Số: 01/BB-UBND"), 1, pdf[:400])
        self.assertNotIn("BB-UBND/BB", pdf)
        # the paper draws the HTML: its parts are in the PDF, no markup is
        for expected in ("Thời gian bắt đầu:", "Thư ký (người ghi biên bản):", "NỘI DUNG CUỘC HỌP",
                         "Lý Văn Im, Sở Tài chính: vắng mặt không có lý do.", CONCLUSION3,
                         "lưu vào hồ sơ cuộc họp./."):
            self.assertIn(expected, pdf)
        self.assertNotIn("<p>", pdf)
        self.assertNotIn("&lt;", pdf)
        self.assertContains(client.get(page), "01/BB-UBND")

    def test_two_meetings_get_01_and_02_and_a_reopened_minutes_keeps_its_number(self) -> None:
        first = self.run_meeting()
        self.generate(first)
        self.assertEqual(self.freeze(first)["number"], "01/BB-UBND")
        second = f.make_meeting(by=self.secretary, title="Họp giao ban tháng 12", unit=self.committee,
                                chair=self.chair, members=[self.member], status=Meeting.Status.ENDED)
        self.generate(second)
        self.assertEqual(self.freeze(second)["number"], "02/BB-UBND")
        # the chair declines the first; reopened and frozen again, it keeps 01
        minutes = Minutes.objects.get(meeting=first)
        from signing.actions import do_cancel_request
        do_cancel_request(minutes.signing_request, actor=self.secretary, reason="Sửa lại thành phần")
        self.assertEqual(self.api("post", url(first, "/reopen"), user=self.secretary).status_code, 200)
        self.assertEqual(self.freeze(first)["number"], "01/BB-UBND")
        self.assertEqual(list(RegisterEntry.objects.filter(kind=RegisterEntry.Kind.MINUTES).order_by("seq").values_list("number", flat=True)),
                         ["01/BB-UBND", "02/BB-UBND"])

    def test_a_refused_freeze_gives_the_number_back(self) -> None:
        meeting = self.run_meeting()
        self.generate(meeting)
        Participant.objects.filter(meeting=meeting, role=Participant.Role.CHAIR).update(role=Participant.Role.MEMBER)
        self.assert_error(self.api("post", url(meeting, "/freeze"), user=self.secretary), 409, "no_chair")
        self.assertFalse(RegisterEntry.objects.filter(kind=RegisterEntry.Kind.MINUTES).exists())
        self.assertEqual(Minutes.objects.get().number, "")


class SpeechSummaryTests(MinutesContentCase):
    def api_url(self, turn: SpeakerRequest) -> str:
        return f"/api/v1/speakers/{turn.pk}/summary"

    def page_url(self, turn: SpeakerRequest) -> str:
        return f"/meetings/{turn.meeting_id}/room/speakers/{turn.pk}/summary/"

    def test_chair_and_secretary_may_summarise_during_and_after_the_meeting(self) -> None:
        meeting = self.run_meeting(end=False)
        response = self.api("post", self.api_url(self.unsummarised), {"text": "  Ý kiến của đại biểu dự thay.  "},
                            user=self.chair)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"id": self.unsummarised.pk, "speaker": self.unsummarised.pk,
                                           "summary": "Ý kiến của đại biểu dự thay."})
        event = MeetingEvent.objects.filter(meeting=meeting).latest("revision")
        self.assertEqual((event.type, event.audience), ("speech_note.upserted", {"roles": ["chair", "secretary"]}))
        f.end_meeting(meeting, by=self.secretary)
        page = self.client_for(self.secretary).post(self.page_url(self.unsummarised), {"text": "Bản sửa sau họp."})
        self.assertRedirects(page, f"/meetings/{meeting.pk}/room/", fetch_redirect_response=False)
        self.unsummarised.refresh_from_db()
        self.assertEqual(self.unsummarised.summary, "Bản sửa sau họp.")
        # emptied: the note leaves the runners' state
        self.api("post", self.api_url(self.unsummarised), {"text": ""}, user=self.secretary)
        self.assertEqual(MeetingEvent.objects.filter(meeting=meeting).latest("revision").type, "speech_note.removed")
        # the runners' snapshot carries the notes; a member's does not
        snap = self.api("get", f"/api/v1/meetings/{meeting.pk}/room", user=self.secretary).json()
        self.assertIn({"id": self.speech.pk, "speaker": self.speech.pk, "summary": SUMMARY.replace("\n", "\n")},
                      snap["state"]["speech_notes"])
        member_snap = self.api("get", f"/api/v1/meetings/{meeting.pk}/room", user=self.member).json()
        self.assertEqual(member_snap["state"]["speech_notes"], [])
        self.assertNotIn("giải ngân", str(member_snap))

    def test_others_are_refused_and_nothing_changes(self) -> None:
        meeting = self.run_meeting(end=False)
        events = MeetingEvent.objects.filter(meeting=meeting).count()
        body = {"text": "Ghi chú lạ"}
        self.assert_error(self.api("post", self.api_url(self.speech), body, user=self.member), 403)
        self.assert_error(self.api("post", self.api_url(self.speech), body, user=self.guest), 403)
        self.assert_error(self.api("post", self.api_url(self.speech), body, user=self.outsider), 404)
        self.assert_error(self.api("post", self.api_url(self.speech), body), 401)
        self.assertEqual(self.client_for(self.member).post(self.page_url(self.speech), body).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).post(self.page_url(self.speech), body).status_code, 404)
        anonymous = self.client.post(self.page_url(self.speech), body)
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.speech.refresh_from_db()
        self.assertEqual(self.speech.summary, SUMMARY)
        self.assertEqual(MeetingEvent.objects.filter(meeting=meeting).count(), events)

    def test_bad_input_and_wrong_state(self) -> None:
        meeting = self.run_meeting(end=False)
        error = self.assert_error(self.api("post", self.api_url(self.speech), {"text": "x" * 4001},
                                           user=self.secretary), 400, "too_long")
        self.assertIn("4000", error["message"])
        self.assertEqual(self.api("post", self.api_url(self.speech), {"text": "x" * 4000},
                                  user=self.secretary).status_code, 200)
        self.assert_error(self.api("post", self.api_url(self.speech), {"text": 5}, user=self.secretary), 400)
        self.assert_error(self.api("post", self.api_url(self.speech), "{not json", user=self.secretary), 400)
        # a request still waiting has nothing to summarise
        waiting = room_actions.do_request_floor(meeting, actor=self.member)
        self.assert_error(self.api("post", self.api_url(waiting), {"text": "Chưa nói"}, user=self.secretary),
                          409, "not_spoken")
        # once the minutes are frozen, the summaries are part of the record
        room_actions.do_withdraw_floor(waiting, actor=self.member)
        f.end_meeting(meeting, by=self.secretary)
        self.generate(meeting)
        self.freeze(meeting)
        self.assert_error(self.api("post", self.api_url(self.speech), {"text": "Muộn"}, user=self.secretary),
                          409, "minutes_frozen")
        client = self.client_for(self.secretary)
        page = client.post(self.page_url(self.speech), {"text": "Muộn"})  # back to the room, with the refusal
        self.assertEqual(page.status_code, 302)
        self.assertIn("đã được chốt", client.get(page["Location"]).content.decode())
        self.speech.refresh_from_db()
        self.assertEqual(len(self.speech.summary), 4000)

    def test_not_for_a_meeting_that_has_not_started(self) -> None:
        meeting = f.make_meeting(by=self.secretary, unit=self.committee, chair=self.chair, members=[self.member],
                                 status=Meeting.Status.IN_PROGRESS)
        turn = f.give_floor(meeting, self.member, chair=self.chair)
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)  # no action cancels a running one
        self.assert_error(self.api("post", self.api_url(turn), {"text": "x"}, user=self.secretary),
                          409, "not_in_progress")

    def test_console_shows_the_note_field_to_runners_only(self) -> None:
        meeting = self.run_meeting(end=False)
        room = f"/meetings/{meeting.pk}/room/"
        self.assertContains(self.client_for(self.secretary).get(room), 'data-testid="history-box"')
        self.assertContains(self.client_for(self.secretary).get(room), "tóm tắt")
        self.assertNotContains(self.client_for(self.member).get(room), "Ghi tóm tắt ý kiến")
