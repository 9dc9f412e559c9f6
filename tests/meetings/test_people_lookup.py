"""Issue 13, no page lists the whole directory: the people lookup that needs no meeting
(GET /api/v1/people) for the meeting form (chair, secretary) and the follow-up task form (the
person in charge), and those forms taking a username that the server checks.

Who may look up: those who convene meetings (owner), who run one (chair: its edit form), the
office that gives tasks (clerk: issue_documents), system administrators; a plain member, an
outsider get 403, anonymous 401."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecabinet.models import User
from meetings.models import FollowUpTask, Meeting
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user
from tests.meetings.test_followup import FollowUpCase, in_days

DIRECTORY = "/api/v1/people"
EXTRA = 50


def extra_people() -> list[User]:
    """Fifty more active people: none of them may appear on a form page."""
    return User.objects.bulk_create([User(username=f"nguoithem{n:02d}", full_name=f"Người Thêm Số {n:02d}")
                                     for n in range(EXTRA)])


class DirectoryLookupTests(FollowUpCase):
    def test_who_may_look_up_finds_people_by_name_or_username(self):
        # convenes (owner), runs a meeting without convening (chair), the office giving tasks
        # (clerk), system administrator
        for user in (self.owner, self.chair, self.clerk, self.admin):
            with self.subTest(user=user.username):
                response = self.api("get", f"{DIRECTORY}?q=Phạm Thị", user=user)
                self.assertEqual(response.status_code, 200, response.content[:300])
                self.assertEqual(response.json(), [{"username": "member2", "full_name": "Phạm Thị Hai",
                                                    "unit": self.member2.unit.short_name or self.member2.unit.name}])
        found = self.api("get", f"{DIRECTORY}?q={self.deputy.username}", user=self.owner).json()
        self.assertEqual([p["username"] for p in found], [self.deputy.username])

    def test_the_same_answer_as_the_meetings_lookup(self):
        mine = self.api("get", f"{DIRECTORY}?q=Văn", user=self.owner).json()
        the_meetings = self.api("get", f"/api/v1/meetings/{self.meeting.pk}/people?q=Văn", user=self.owner).json()
        self.assertTrue(mine)
        self.assertEqual(mine, the_meetings)

    def test_at_most_twenty_never_the_inactive_and_nothing_for_nothing(self):
        extra_people()
        make_user("nghiviec", full_name="Người Thêm Đã Nghỉ")
        User.objects.filter(username="nghiviec").update(is_active=False)
        found = self.api("get", f"{DIRECTORY}?q=Người Thêm", user=self.owner).json()
        self.assertEqual(len(found), 20)
        self.assertNotIn("nghiviec", [p["username"] for p in found])
        self.assertEqual(self.api("get", f"{DIRECTORY}?q=", user=self.owner).json(), [])
        self.assertEqual(self.api("get", DIRECTORY, user=self.owner).json(), [])

    def test_who_may_not_look_up(self):
        # a plain member of a meeting (member), someone giving nothing (outsider), a statistics
        # reader: none of them uses a form naming a person outside a meeting
        for user in (self.member, self.outsider, self.reader, self.guest):
            with self.subTest(user=user.username):
                error = self.assert_error(self.api("get", f"{DIRECTORY}?q=Hai", user=user,
                                                   HTTP_ACCEPT_LANGUAGE="vi"), 403, "forbidden")
                self.assertEqual(error["message"], "Vai trò của bạn không được phép tra cứu danh bạ người dùng.")
        self.assert_error(self.api("get", f"{DIRECTORY}?q=Hai"), 401)

    def test_a_long_question_is_a_clear_error(self):
        error = self.assert_error(self.api("get", f"{DIRECTORY}?q={'a' * 101}", user=self.owner,
                                           HTTP_ACCEPT_LANGUAGE="vi"), 400)
        self.assertEqual(error["fields"], [{"field": "q", "message": "Nhập tối đa 100 ký tự."}])
        self.assertEqual(self.api("get", f"{DIRECTORY}?q={'a' * 100}", user=self.owner).json(), [])

    def test_in_the_openapi_document(self):
        operation = self.api("get", "/api/v1/openapi.json", user=self.owner).json()["paths"]["/api/v1/people"]["get"]
        self.assertIn("chair or secretary", operation["summary"])
        self.assertIn("person in charge", operation["summary"])
        self.assertIn("200", operation["responses"])


class MeetingFormTests(PrepTestCase):
    def form_html(self, url: str) -> tuple[bytes, int]:
        client = self.client_for(self.owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        self.assertEqual(response.status_code, 200)
        return response.content, len(queries.captured_queries)

    def test_the_form_lists_no_one_and_points_its_fields_at_the_lookup(self):
        for url in ("/meetings/new/", f"/meetings/{self.meeting.pk}/edit/"):
            with self.subTest(url=url):
                before, queries_before = self.form_html(url)
                self.assertIn(b'<datalist id="people" data-url="/api/v1/people"></datalist>', before)
                self.assertIn(b'list="people"', before)
                self.assertIn(b"people_lookup", before)  # the lookup's script
        extra_people()
        for url in ("/meetings/new/", f"/meetings/{self.meeting.pk}/edit/"):
            with self.subTest(url=url, extra=EXTRA):
                html, queries = self.form_html(url)
                self.assertNotIn(b"nguoithem", html)
                self.assertNotIn("Người Thêm".encode(), html)
                self.assertNotIn(self.deputy.username.encode(), html)
                _, queries_before = self.form_html(url)
                self.assertEqual(queries, queries_before)  # the same with fifty more people

    def body(self, **extra) -> dict:
        return {"title": "Họp bàn kế hoạch năm 2027", "starts_at": "2027-01-12T08:00", "ends_at": "2027-01-12T11:00",
                "unit": self.department.pk, **extra}

    def test_create_with_a_chair_picked_by_username(self):
        response = self.client_for(self.owner).post("/meetings/new/", self.body(chair=self.chair.username,
                                                                                secretary=self.deputy.username))
        self.assertEqual(response.status_code, 302, response.content[:500])
        meeting = Meeting.objects.get(title="Họp bàn kế hoạch năm 2027")
        roles = dict(meeting.participants.values_list("user__username", "role"))
        self.assertEqual((roles["chair"], roles["deputy"]), ("chair", "secretary"))

    def test_an_unknown_or_inactive_chair_is_a_clear_error_and_nothing_is_written(self):
        make_user("nghiviec", full_name="Người Đã Nghỉ")
        User.objects.filter(username="nghiviec").update(is_active=False)
        client = self.client_for(self.owner)
        count = Meeting.objects.count()
        for field, name in (("chair", "khongcoai"), ("chair", "nghiviec"), ("secretary", "khongcoai")):
            with self.subTest(field=field, name=name):
                response = client.post("/meetings/new/", self.body(**{field: name}), HTTP_ACCEPT_LANGUAGE="vi")
                self.assertContains(response, f"Không có người dùng đang hoạt động nào tên {name}.", status_code=400)
                self.assertContains(response, f'value="{name}"', status_code=400)  # the form keeps what was typed
                self.assertEqual(Meeting.objects.count(), count)
        # editing: the same check, the meeting unchanged
        response = client.post(f"/meetings/{self.meeting.pk}/edit/", self.body(chair="khongcoai"))
        self.assertEqual(response.status_code, 400)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.title, "Phiên họp thường kỳ tháng 11")

    def test_who_may_not_open_the_form(self):
        self.schedule()  # the member sees the meeting, and may not edit it
        self.assertEqual(self.client_for(self.member).get("/meetings/new/").status_code, 403)
        self.assertEqual(self.client_for(self.member).get(f"/meetings/{self.meeting.pk}/edit/").status_code, 403)


class TaskFormTests(FollowUpCase):
    def tasks_url(self) -> str:
        return f"/meetings/{self.meeting.pk}/tasks/"

    def body(self, **extra) -> dict:
        return {"title": "Tổng hợp ý kiến các sở", "deadline": in_days(7).isoformat(), "item": "", "unit": "",
                **extra}

    def page(self, url: str) -> tuple[bytes, int]:
        client = self.client_for(self.owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        self.assertEqual(response.status_code, 200)
        return response.content, len(queries.captured_queries)

    def test_the_pages_list_no_one_and_point_the_field_at_the_lookup(self):
        task = self.give()
        urls = (self.tasks_url(), f"/tasks/{task.pk}/")
        counts = {}
        for url in urls:
            html, counts[url] = self.page(url)
            self.assertIn(b'data-url="/api/v1/people"', html)
            self.assertIn(b'name="assignee"', html)
        extra_people()
        for url in urls:
            with self.subTest(url=url):
                html, queries = self.page(url)
                self.assertNotIn(b"nguoithem", html)
                self.assertNotIn(self.deputy.username.encode(), html)
                self.assertEqual(queries, counts[url])  # the same with fifty more people

    def test_give_a_task_to_a_person_by_username(self):
        response = self.client_for(self.owner).post(self.tasks_url(), self.body(assignee=f" {self.member2.username} "))
        self.assertEqual(response.status_code, 302, response.content[:500])
        self.assertEqual(FollowUpTask.objects.get().assignee, self.member2)

    def test_an_unknown_or_inactive_person_is_a_clear_error_and_nothing_is_written(self):
        make_user("nghiviec", full_name="Người Đã Nghỉ")
        User.objects.filter(username="nghiviec").update(is_active=False)
        client = self.client_for(self.owner)
        for name in ("khongcoai", "nghiviec", str(self.member2.pk)):  # a username, not an id, on the page
            with self.subTest(name=name):
                response = client.post(self.tasks_url(), self.body(assignee=name), HTTP_ACCEPT_LANGUAGE="vi")
                self.assertContains(response, 'data-testid="task-assignee-error"', status_code=400)
                self.assertContains(response, f"Không có người dùng đang hoạt động nào tên {name}.", status_code=400)
        self.assertFalse(FollowUpTask.objects.exists())

    def test_the_edit_form_shows_the_person_in_charge_and_changes_them(self):
        task = self.give()
        client = self.client_for(self.owner)
        page = client.get(f"/tasks/{task.pk}/")
        self.assertContains(page, f'name="assignee" list="edit_people" value="{self.member2.username}"')
        self.assertContains(page, "Hiện tại: Phạm Thị Hai")
        body = {**self.body(), "title": task.title}
        refused = client.post(f"/tasks/{task.pk}/edit/", {**body, "assignee": "khongcoai"})
        self.assertContains(refused, "Không có người dùng đang hoạt động nào tên khongcoai.", status_code=400)
        task.refresh_from_db()
        self.assertEqual(task.assignee, self.member2)
        done = client.post(f"/tasks/{task.pk}/edit/", {**body, "assignee": self.deputy.username})
        self.assertEqual(done.status_code, 302, done.content[:500])
        task.refresh_from_db()
        self.assertEqual(task.assignee, self.deputy)
        # to the unit alone: the person's field left empty
        client.post(f"/tasks/{task.pk}/edit/", {**body, "assignee": "", "unit": self.other_unit.pk})
        task.refresh_from_db()
        self.assertEqual((task.assignee, task.assignee_unit), (None, self.other_unit))

    def test_who_may_not_see_the_form(self):
        task = self.give()
        self.assertNotContains(self.client_for(self.member2).get(f"/tasks/{task.pk}/"), 'name="assignee"')
        self.assertNotContains(self.client_for(self.member).get(self.tasks_url()), 'name="assignee"')

    def test_the_api_keeps_the_persons_id(self):
        body = {"title": "Việc qua API", "deadline": in_days(5).isoformat(), "assignee": self.deputy.pk}
        response = self.api("post", f"/api/v1/meetings/{self.meeting.pk}/tasks", body, user=self.owner)
        self.assertEqual(response.status_code, 201, response.content[:300])
        self.assertEqual(response.json()["assignee"], self.deputy.pk)
        error = self.assert_error(self.api("post", f"/api/v1/meetings/{self.meeting.pk}/tasks",
                                           {**body, "assignee": self.deputy.username}, user=self.owner), 400)
        self.assertTrue(error["message"])


class TheRightAloneTests(FollowUpCase):
    def test_an_office_with_issue_documents_only_may_look_up(self):
        # the right alone (no meeting run, no convening) is enough: it gives tasks
        clerk2 = make_user("clerk2", unit=self.other_unit, full_name="Văn Thư Hai")
        self.assert_error(self.api("get", f"{DIRECTORY}?q=Hai", user=clerk2), 403)
        clerk2.user_permissions.add(Permission.objects.get(codename="issue_documents"))
        clerk2 = User.objects.get(pk=clerk2.pk)  # permissions are cached per object
        self.assertEqual(self.api("get", f"{DIRECTORY}?q=Hai", user=clerk2).status_code, 200)
