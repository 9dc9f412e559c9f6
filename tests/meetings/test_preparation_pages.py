"""The preparation pages: who may open and post each one, bad input, and what the pages show."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from meetings.models import Meeting, MeetingEvent, Participant
from tests.kit.cases import PrepTestCase


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


class PageAccessTests(PrepTestCase):
    """Every page and form: anonymous -> /login/, outsider -> 404 without the title, member -> 403."""

    def setUp(self):
        super().setUp()
        self.schedule()
        m = self.meeting.pk
        self.item = self.meeting.agenda_items.get()
        self.pid = self.meeting.participants.get(user=self.member).pk
        v = {"agenda_version": self.meeting.agenda_version}
        self.runner_posts = [
            (f"/meetings/{m}/edit/", {"title": "Đổi tên"}),
            (f"/meetings/{m}/copy/", {}),
            (f"/meetings/{m}/schedule/", {}),
            (f"/meetings/{m}/cancel/", {"reason": "Hoãn"}),
            (f"/meetings/{m}/participants/add/", {"username": "member2"}),
            (f"/meetings/{m}/participants/{self.pid}/", {"role": "guest"}),
            (f"/meetings/{m}/participants/{self.pid}/remove/", {}),
            (f"/meetings/{m}/agenda/add/", {"title": "Mục mới", **v}),
            (f"/meetings/{m}/agenda/{self.item.pk}/", {"title": "Sửa", **v}),
            (f"/meetings/{m}/agenda/{self.item.pk}/remove/", v),
            (f"/meetings/{m}/agenda/{self.item.pk}/move/", {"direction": "down", **v}),
        ]
        self.pages = ["/meetings/", "/meetings/week/", "/meetings/calendar/", "/meetings/new/",
                      f"/meetings/{m}/", f"/meetings/{m}/edit/", f"/meetings/{m}/copy/"]

    def test_anonymous_goes_to_login(self):
        for path in self.pages + [p for p, _ in self.runner_posts] + [f"/meetings/{self.meeting.pk}/answer/"]:
            response = self.client.post(path) if path.endswith(("/schedule/", "/answer/")) else self.client.get(path)
            self.assertEqual(response.status_code, 302, path)
            self.assertTrue(response["Location"].startswith("/login/"), path)

    def test_outsider_gets_404_without_title(self):
        client = self.client_for(self.outsider)
        for path, data in self.runner_posts + [(f"/meetings/{self.meeting.pk}/answer/", {"response": "attend"})]:
            response = client.post(path, data)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(self.meeting.title, response.content.decode())
        for path in self.pages[4:]:
            response = client.get(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(self.meeting.title, response.content.decode())
        for path in self.pages[:3]:
            self.assertEqual(client.get(path).status_code, 200, path)
            self.assertNotIn(self.meeting.title, client.get(path).content.decode())
        # Convening is a right of organisers (tests/meetings/test_roles.py), not of every account.
        self.assertEqual(client.get("/meetings/new/").status_code, 403)

    def test_member_may_read_but_not_change(self):
        client = self.client_for(self.member)
        self.assertEqual(client.get(f"/meetings/{self.meeting.pk}/").status_code, 200)
        for path in (f"/meetings/{self.meeting.pk}/edit/", f"/meetings/{self.meeting.pk}/copy/"):
            self.assertEqual(client.get(path).status_code, 403, path)
        revision = Meeting.objects.get(pk=self.meeting.pk).revision
        for path, data in self.runner_posts:
            self.assertEqual(client.post(path, data).status_code, 403, path)
        self.assertEqual(Meeting.objects.get(pk=self.meeting.pk).revision, revision)
        page = client.get(f"/meetings/{self.meeting.pk}/").content.decode()
        self.assertNotIn('data-testid="agenda-form"', page)
        self.assertIn('data-testid="my-answer"', page)

    def test_runners_may_change(self):
        for user in (self.owner, self.chair, self.unit_admin, self.admin):
            client = self.client_for(user)
            page = client.get(f"/meetings/{self.meeting.pk}/").content.decode()
            self.assertIn('data-testid="agenda-form"', page, user)
            self.assertEqual(client.get(f"/meetings/{self.meeting.pk}/edit/").status_code, 200)
        client = self.client_for(self.unit_admin)
        response = client.post(f"/meetings/{self.meeting.pk}/participants/add/", {"username": "member2"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.meeting.participants.filter(user=self.member2).exists())


class CreateAndEditPageTests(PrepTestCase):
    def test_create_through_the_form(self):
        start = timezone.now() + timedelta(days=2)
        client = self.client_for(self.owner)
        response = client.post("/meetings/new/", {
            "title": "Họp giao ban tuần", "starts_at": local(start), "ends_at": local(start + timedelta(hours=2)),
            "unit": self.department.pk, "meeting_type": self.kind.pk, "room": self.room.pk, "chair": "chair",
            "online_url": "", "location": "", "description": "Giao ban công tác tuần 48",
        })
        self.assertEqual(response.status_code, 302, response.content[:500])
        meeting = Meeting.objects.get(title="Họp giao ban tuần")
        self.assertEqual(response["Location"], meeting.get_absolute_url())
        self.assertEqual(dict(meeting.participants.values_list("user__username", "role")),
                         {"owner": "secretary", "chair": "chair"})

    def test_bad_input_rerenders_with_errors_and_writes_nothing(self):
        client = self.client_for(self.owner)
        start = timezone.now() + timedelta(days=2)
        count = Meeting.objects.count()
        cases = [
            ({"title": "Họp", "starts_at": local(start), "ends_at": local(start - timedelta(hours=1))}, "ends-error"),
            ({"title": "", "starts_at": local(start), "ends_at": local(start + timedelta(hours=1))}, "form-error"),
            ({"title": "Họp", "starts_at": "", "ends_at": ""}, "form-error"),
            ({"title": "Họp", "starts_at": "ngày mai", "ends_at": local(start)}, "form-error"),
            ({"title": "Họp", "starts_at": local(start), "ends_at": local(start + timedelta(hours=1)),
              "chair": "khongco"}, "form-error"),
            ({"title": "Họp", "starts_at": local(start), "ends_at": local(start + timedelta(hours=1)),
              "room": "abc"}, "form-error"),
        ]
        for data, testid in cases:
            response = client.post("/meetings/new/", data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(f'data-testid="{testid}"', response.content.decode(), data)
        self.assertEqual(Meeting.objects.count(), count)

    def test_edit_and_copy(self):
        client = self.client_for(self.owner)
        start = self.meeting.starts_at
        response = client.post(f"/meetings/{self.meeting.pk}/edit/", {
            "title": "Phiên họp (đã sửa)", "starts_at": local(start), "ends_at": local(start + timedelta(hours=4)),
            "unit": self.department.pk, "room": self.room.pk, "chair": "chair"})
        self.assertEqual(response.status_code, 302)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.title, "Phiên họp (đã sửa)")
        response = client.post(f"/meetings/{self.meeting.pk}/edit/", {
            "title": "x", "starts_at": local(start), "ends_at": local(start - timedelta(hours=4))})
        self.assertEqual(response.status_code, 400)
        later = start + timedelta(days=30)
        response = client.post(f"/meetings/{self.meeting.pk}/copy/", {
            "title": "Phiên họp tháng sau", "starts_at": local(later), "ends_at": local(later + timedelta(hours=3))})
        self.assertEqual(response.status_code, 302)
        copy = Meeting.objects.get(title="Phiên họp tháng sau")
        self.assertEqual(copy.agenda_items.count(), 1)
        self.assertEqual(copy.participants.count(), 3)
        response = client.post(f"/meetings/{self.meeting.pk}/copy/", {"starts_at": "", "ends_at": ""})
        self.assertEqual(response.status_code, 400)


class MeetingPageFormTests(PrepTestCase):
    def test_agenda_forms_and_stale_version_conflict(self):
        client = self.client_for(self.owner)
        m = self.meeting.pk
        version = self.meeting.agenda_version
        response = client.post(f"/meetings/{m}/agenda/add/", {"title": "Tờ trình quy hoạch", "presenter": "member",
                                                              "duration_minutes": "25", "agenda_version": version})
        self.assertEqual(response.status_code, 302)
        # A second secretary with the old page: 409 and the page shows the agenda as it now is.
        response = client.post(f"/meetings/{m}/agenda/add/", {"title": "Mục trùng", "agenda_version": version})
        self.assertEqual(response.status_code, 409)
        page = response.content.decode()
        self.assertIn('data-testid="page-error"', page)
        self.assertIn("Tờ trình quy hoạch", page)
        self.assertEqual(self.meeting.agenda_items.count(), 2)
        self.assertEqual(client.post(f"/meetings/{m}/agenda/add/", {"title": "x"}).status_code, 400)
        self.assertEqual(client.post(f"/meetings/{m}/agenda/add/", {"title": "x", "duration_minutes": "abc",
                                                                    "agenda_version": version + 1}).status_code, 400)
        first, second = self.meeting.agenda_items.order_by("position")
        client.post(f"/meetings/{m}/agenda/{second.pk}/move/", {"direction": "up", "agenda_version": version + 1})
        self.assertEqual(list(self.meeting.agenda_items.order_by("position").values_list("pk", flat=True)),
                         [second.pk, first.pk])
        page = client.get(f"/meetings/{m}/").content.decode()
        self.assertIn("55", page.split('data-testid="total-time"')[1][:60])

    def test_participants_forms(self):
        client = self.client_for(self.owner)
        m = self.meeting.pk
        self.assertEqual(client.post(f"/meetings/{m}/participants/add/", {"username": "member2", "role": "member",
                                                                          "seat": "C4"}).status_code, 302)
        self.assertEqual(client.post(f"/meetings/{m}/participants/add/", {"username": "member2"}).status_code, 409)
        self.assertEqual(client.post(f"/meetings/{m}/participants/add/", {"username": "khongco"}).status_code, 400)
        self.assertEqual(client.post(f"/meetings/{m}/participants/add/", {"username": "deputy", "seat": "C4"}).status_code, 409)
        self.assertEqual(client.post(f"/meetings/{m}/participants/add/", {"unit": self.department.pk}).status_code, 302)
        self.assertTrue(self.meeting.participants.filter(user=self.deputy).exists())
        page = client.get(f"/meetings/{m}/").content.decode()
        self.assertIn('data-testid="seat-map"', page)
        self.assertIn("C4", page)

    def test_schedule_answer_and_cancel_through_the_page(self):
        owner, member = self.client_for(self.owner), self.client_for(self.member)
        m = self.meeting.pk
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(owner.post(f"/meetings/{m}/schedule/").status_code, 302)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(owner.post(f"/meetings/{m}/schedule/").status_code, 409)
        response = member.post(f"/meetings/{m}/answer/", {"response": "decline", "reason": ""})
        self.assertEqual(response.status_code, 400)
        member.post(f"/meetings/{m}/answer/", {"response": "decline", "reason": "Trùng lịch tiếp dân"})
        page = owner.get(f"/meetings/{m}/").content.decode()
        self.assertIn("Trùng lịch tiếp dân", page)
        self.assertTrue(MeetingEvent.objects.filter(meeting_id=m, type="participant.upserted",
                                                    data__participant__response="decline").exists())
        self.assertEqual(member.post(f"/meetings/{m}/answer/", {"response": "delegate", "delegate": "deputy"}).status_code, 302)
        self.assertEqual(Participant.objects.get(meeting_id=m, user=self.deputy).delegate_for.user, self.member)
        self.assertEqual(owner.post(f"/meetings/{m}/cancel/", {"reason": ""}).status_code, 400)
        self.assertEqual(owner.post(f"/meetings/{m}/cancel/", {"reason": "Thay đổi kế hoạch"}).status_code, 302)
        page = member.get(f"/meetings/{m}/").content.decode()
        self.assertIn('data-testid="cancel-reason"', page)
        self.assertIn("Thay đổi kế hoạch", page)
        self.assertEqual(owner.post(f"/meetings/{m}/schedule/").status_code, 409)


class ListAndCalendarPageTests(PrepTestCase):
    def test_lists_week_home_and_search(self):
        self.schedule()
        today = self.make_meeting(title="Họp khẩn hôm nay", days=0, scheduled=True)
        # Five minutes from now, but never past local midnight (the test must pass at 23:58 too).
        end_of_day = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=0)
        starts = min(timezone.now() + timedelta(minutes=5), end_of_day)
        Meeting.objects.filter(pk=today.pk).update(starts_at=starts, ends_at=starts + timedelta(hours=1))
        past = self.make_meeting(title="Họp tháng 10", days=-40, scheduled=True)
        client = self.client_for(self.member)
        upcoming = client.get("/meetings/").content.decode()
        self.assertIn(self.meeting.title, upcoming)
        self.assertNotIn(past.title, upcoming)
        self.assertIn(past.title, client.get("/meetings/?when=past").content.decode())
        self.assertIn(past.title, client.get("/meetings/?q=th%C3%A1ng%2010&when=any").content.decode())
        self.assertNotIn(self.meeting.title, client.get("/meetings/?q=th%C3%A1ng%2010&when=any").content.decode())
        self.assertIn(self.meeting.title, client.get("/meetings/?scope=unit").content.decode())
        self.assertIn('data-testid="no-meetings"', client.get("/meetings/?scope=preparing").content.decode())
        self.assertIn('data-testid="no-meetings"', client.get("/meetings/?status=ended&when=any").content.decode())
        self.assertEqual(client.get("/meetings/?from=bad&to=worse&page=x").status_code, 200)
        week = client.get(f"/meetings/week/?d={timezone.localdate().isoformat()}").content.decode()
        self.assertIn("Họp khẩn hôm nay", week)
        self.assertEqual(client.get("/meetings/week/?d=2026-99-99").status_code, 200)
        home = client.get("/").content.decode()
        self.assertIn("Họp khẩn hôm nay", home.split('data-testid="meetings-today"')[1])
        self.assertIn(self.meeting.title, home)
        # Drafts stay with the people preparing them.
        draft = self.make_meeting(title="Bản nháp chưa gửi", days=2)
        self.assertNotIn(draft.title, client.get("/meetings/?when=any&scope=all").content.decode())

    def test_calendar_page_and_regeneration(self):
        client = self.client_for(self.member)
        page = client.get("/meetings/calendar/").content.decode()
        url = page.split('data-testid="feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
        path = url.split("testserver", 1)[1]
        self.assertEqual(self.client.get(path).status_code, 200)
        self.assertEqual(client.post("/meetings/calendar/").status_code, 302)
        self.assertEqual(self.client.get(path).status_code, 404)
