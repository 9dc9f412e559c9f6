"""Follow-up of conclusions (fn135, fn136): giving tasks, reporting progress with files, marking
done, cancelling and reopening, the board per unit, my tasks, reminders, the attachments'
delivery. Every allowed path has its forbidden twin: the meeting's runner (owner, the
secretary), the office of the meeting's unit (issue_documents only), the person in charge
(member2), the people who run the assigned unit's work (office), a plain member of that unit
(outsider), a member of the meeting who is given nothing (member), a guest, anonymous."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from unittest import mock

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from ecabinet.models import AuditEvent, Notification, ReminderSent
from ecabinet.roles import UNIT_ADMIN
from ecabinet.workdays import add_working_days
from meetings.actions import followup as actions
from meetings.followup_reminders import remind_tasks_due
from meetings.models import FollowUpTask, Participant, TaskAttachment, TaskReport
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.files import make_pdf, media_files
from tests.kit.users import make_user


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def pdf_file(name: str = "bao-cao.pdf", text: str = "Báo cáo tiến độ") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(1, text), content_type="application/pdf")


class FollowUpCase(PrepTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # the office of the department (the meeting's unit): issue_documents only, not in the meeting
        cls.clerk = make_user("clerk", unit=cls.department, full_name="Vũ Văn Thư")
        cls.clerk.user_permissions.add(Permission.objects.get(codename="issue_documents"))
        # who runs the work of the other unit (Sở Y tế): its unit administrator
        cls.office = make_user("office", unit=cls.other_unit, full_name="Đặng Thị Văn Phòng", roles=(UNIT_ADMIN,))
        # a reader of statistics of the department (the board, nothing else)
        cls.reader = make_user("reader", unit=cls.department, full_name="Lý Thống Kê")
        cls.reader.user_permissions.add(Permission.objects.get(codename="view_statistics"))

    def setUp(self) -> None:
        super().setUp()
        factories.add_participant(self.meeting, self.member2, by=self.owner)
        factories.add_participant(self.meeting, self.guest, by=self.owner, role=Participant.Role.GUEST)
        self.meeting = factories.bring_to(self.meeting, "ended", by=self.owner)
        self.item = self.meeting.agenda_items.get()

    def give(self, **fields) -> FollowUpTask:
        data = {"title": "Rà soát danh mục dự án đầu tư công", "deadline": in_days(10), "assignee": self.member2,
                "unit": None, **fields}
        with self.captureOnCommitCallbacks(execute=True):
            return actions.do_create_task(self.meeting, self.item, actor=self.owner, **data)

    def task_url(self, task: FollowUpTask, suffix: str = "") -> str:
        return f"/api/v1/tasks/{task.pk}{suffix}"

    def post_report(self, task: FollowUpTask, user, *, files=(), done: bool = False, **data):
        client = self.client_for(user)
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(self.task_url(task, "/done" if done else "/reports"),
                               {**data, "file": list(files)} if files else data)


class GivingTasks(FollowUpCase):
    def body(self, **extra):
        return {"title": "Hoàn thiện hồ sơ trình HĐND", "description": "Theo kết luận mục 1",
                "item": self.item.pk, "unit": self.other_unit.pk, "assignee": self.member2.pk,
                "deadline": in_days(7).isoformat(), **extra}

    def test_the_runner_gives_a_task_and_the_assignees_are_told(self):
        response = self.api("post", f"/api/v1/meetings/{self.meeting.pk}/tasks", self.body(), user=self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["unit"], data["assignee"], data["status"], data["item"]),
                         (self.other_unit.pk, self.member2.pk, "open", self.item.pk))
        self.assertTrue(data["may_issue"])
        told = set(Notification.objects.filter(kind="task.assigned").values_list("user__username", flat=True))
        self.assertEqual(told, {"member2", "office"})
        note = Notification.objects.get(kind="task.assigned", user=self.member2)
        self.assertEqual(note.url, f"/tasks/{data['id']}/")
        self.assertIn("Việc mới", note.title)
        self.assertTrue(AuditEvent.objects.filter(action="task.create", object_id=str(data["id"])).exists())

    def test_the_office_of_the_meetings_unit_gives_tasks_without_being_in_the_meeting(self):
        response = self.api("post", f"/api/v1/meetings/{self.meeting.pk}/tasks", self.body(), user=self.clerk)
        self.assertEqual(response.status_code, 201, response.content)

    def test_who_may_not_give_tasks(self):
        url = f"/api/v1/meetings/{self.meeting.pk}/tasks"
        for user, status in ((self.member, 403), (self.guest, 403), (self.reader, 403), (self.outsider, 404),
                             (self.office, 404)):
            with self.subTest(user=user.username):
                error = self.assert_error(self.api("post", url, self.body(), user=user), status)
                if status == 403:
                    self.assertIn("giao việc", error["message"])
        self.assertEqual(self.api("post", url, self.body()).status_code, 401)
        self.assertFalse(FollowUpTask.objects.exists())
        self.assertFalse(Notification.objects.filter(kind="task.assigned").exists())

    def test_bad_input(self):
        url = f"/api/v1/meetings/{self.meeting.pk}/tasks"
        cases = [
            (self.body(deadline=in_days(-1).isoformat()), "bad_deadline"),
            (self.body(unit=None, assignee=None), "no_assignee"),
            (self.body(deadline=None), "bad_deadline"),
            (self.body(title=""), "bad_title"),
            (self.body(title="Hai\ndòng"), "invalid"),
            (self.body(description="x" * 10001), "too_long"),
            (self.body(unit=999999), "bad_unit"),
            (self.body(assignee=999999), "bad_assignee"),
            (self.body(deadline="không phải ngày"), "bad_request"),
            (self.body(deadline="9999-01-01"), "bad_request"),
            (self.body(unit=-3), "bad_request"),
        ]
        for body, code in cases:
            with self.subTest(code=code, body=body):
                error = self.assert_error(self.api("post", url, body, user=self.owner), 400, code)
                self.assertTrue(error["message"])
        self.assert_error(self.api("post", url, self.body(item=999999), user=self.owner), 404)
        self.assertFalse(FollowUpTask.objects.exists())

    def test_a_deadline_today_is_accepted(self):
        response = self.api("post", f"/api/v1/meetings/{self.meeting.pk}/tasks",
                            self.body(deadline=timezone.localdate().isoformat()), user=self.owner)
        self.assertEqual(response.status_code, 201)

    def test_not_from_a_draft_meeting(self):
        draft = self.make_meeting(title="Họp chưa diễn ra")
        error = self.assert_error(self.api("post", f"/api/v1/meetings/{draft.pk}/tasks", self.body(item=None),
                                           user=self.owner), 409, "bad_status")
        self.assertIn("kết luận", error["message"])

    def test_the_meeting_page_form(self):
        client = self.client_for(self.owner)
        page = client.get(f"/meetings/{self.meeting.pk}/tasks/")
        self.assertContains(page, 'data-testid="task-form"')
        # the page's form names the person in charge by username (the API takes the id)
        response = client.post(f"/meetings/{self.meeting.pk}/tasks/",
                               {**self.body(), "item": "", "assignee": self.member2.username})
        self.assertEqual(response.status_code, 302)
        task = FollowUpTask.objects.get()
        self.assertIsNone(task.item)
        refused = client.post(f"/meetings/{self.meeting.pk}/tasks/",
                              self.body(deadline=in_days(-2).isoformat(), assignee=self.member2.username))
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "không được ở quá khứ", status_code=400)
        self.assertEqual(FollowUpTask.objects.count(), 1)
        # the meeting page links to it for its runner
        self.assertContains(client.get(f"/meetings/{self.meeting.pk}/"), 'data-testid="tasks-link"')
        # and so does the room's console; an item's conclusion preselects the item
        self.assertContains(client.get(f"/meetings/{self.meeting.pk}/room/"), 'data-testid="room-tasks-link"')
        self.assertNotContains(self.client_for(self.member).get(f"/meetings/{self.meeting.pk}/room/"),
                               'data-testid="room-tasks-link"')
        preselected = client.get(f"/meetings/{self.meeting.pk}/tasks/?item={self.item.pk}")
        self.assertContains(preselected, f'<option value="{self.item.pk}" selected>')

    def test_the_meeting_tasks_page_for_each_role(self):
        task = self.give()
        url = f"/meetings/{self.meeting.pk}/tasks/"
        member_page = self.client_for(self.member).get(url)
        self.assertEqual(member_page.status_code, 200)
        self.assertNotContains(member_page, 'data-testid="task-form"')
        self.assertNotContains(member_page, task.title)  # given to someone else
        self.assertContains(self.client_for(self.member2).get(url), task.title)
        self.assertContains(self.client_for(self.clerk).get(url), 'data-testid="task-form"')
        self.assertEqual(self.client_for(self.outsider).get(url).status_code, 404)
        self.assertEqual(Client().get(url).status_code, 302)


class Reporting(FollowUpCase):
    def setUp(self) -> None:
        super().setUp()
        self.task = self.give(unit=self.other_unit)
        Notification.objects.all().delete()

    def test_the_person_in_charge_reports_progress_with_a_file(self):
        response = self.post_report(self.task, self.member2, comment="Đã rà soát 12/20 dự án", progress="60",
                                    files=[pdf_file()])
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["progress"], len(data["attachments"])), (60, 1))
        self.task.refresh_from_db()
        self.assertEqual((self.task.progress, self.task.status), (60, "open"))
        attachment = TaskAttachment.objects.get()
        self.assertEqual(len(attachment.sha256), 64)
        told = Notification.objects.get(kind="task.reported")
        self.assertEqual(told.user, self.owner)  # the issuing office (who gave it; the secretary)
        self.assertIn("60%", told.body)
        self.assertTrue(AuditEvent.objects.filter(action="task.report").exists())

    def test_who_runs_the_assigned_units_work_reports_too(self):
        response = self.post_report(self.task, self.office, comment="Sở đã giao phòng Kế hoạch", progress="10")
        self.assertEqual(response.status_code, 201, response.content)

    def test_who_may_not_report(self):
        for user, status in ((self.owner, 403), (self.clerk, 403), (self.reader, 403), (self.member, 404),
                             (self.guest, 404), (self.outsider, 404)):
            with self.subTest(user=user.username):
                response = self.post_report(self.task, user, comment="Không phải việc của tôi", progress="5")
                self.assert_error(response, status)
        self.assertEqual(Client().post(self.task_url(self.task, "/reports"), {"comment": "x"}).status_code, 401)
        self.assertFalse(TaskReport.objects.exists())
        self.assertFalse(Notification.objects.exists())

    def test_bad_reports(self):
        cases = [({}, 400, "empty_report"), ({"progress": "101"}, 400, "bad_request"),
                 ({"progress": "-1"}, 400, "bad_request"), ({"progress": "nhiều"}, 400, "bad_request"),
                 ({"comment": "x" * 10001}, 400, "too_long")]
        for data, status, code in cases:
            with self.subTest(data=str(data)[:40]):
                self.assert_error(self.post_report(self.task, self.member2, **data), status, code)
        not_pdf = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        response = self.post_report(self.task, self.member2, comment="tệp hỏng", files=[not_pdf])
        self.assertIn(response.status_code, (400, 415))
        many = [pdf_file(f"tep-{n}.pdf") for n in range(6)]
        self.assert_error(self.post_report(self.task, self.member2, comment="nhiều tệp", files=many), 400,
                          "too_many_files")
        self.assertFalse(TaskReport.objects.exists())
        self.assertEqual(media_files(), [])

    def test_json_report(self):
        response = self.api("post", self.task_url(self.task, "/reports"), {"comment": "Đang làm", "progress": 30},
                            user=self.member2)
        self.assertEqual(response.status_code, 201, response.content)
        self.assert_error(self.api("post", self.task_url(self.task, "/reports"), ["không", "phải"],
                                   user=self.member2), 400)

    def test_marking_done_then_reopening(self):
        self.post_report(self.task, self.member2, comment="Một nửa", progress="50")
        response = self.post_report(self.task, self.member2, done=True, comment="Đã hoàn thành")
        self.assertEqual(response.status_code, 200, response.content)
        self.task.refresh_from_db()
        self.assertEqual((self.task.status, self.task.progress, self.task.completed_by), ("done", 100, self.member2))
        self.assertIsNotNone(self.task.completed_at)
        self.assertTrue(TaskReport.objects.filter(marks_done=True, progress=100).exists())
        self.assertTrue(Notification.objects.filter(kind="task.done", user=self.owner).exists())
        # closed: no more reports
        self.assert_error(self.post_report(self.task, self.member2, comment="thêm"), 409, "task_closed")
        # reopening is the issuing office's
        self.assert_error(self.api("post", self.task_url(self.task, "/reopen"), {}, user=self.member2), 403)
        with self.captureOnCommitCallbacks(execute=True):
            reopened = self.api("post", self.task_url(self.task, "/reopen"), {"reason": "Chưa đạt yêu cầu"},
                                user=self.owner)
        self.assertEqual(reopened.status_code, 200)
        self.assertEqual((reopened.json()["status"], reopened.json()["progress"]), ("open", 50))
        self.assertTrue(Notification.objects.filter(kind="task.reopened", user=self.member2).exists())
        self.assert_error(self.api("post", self.task_url(self.task, "/reopen"), {}, user=self.owner), 409, "task_open")

    def test_cancelling(self):
        self.assert_error(self.api("post", self.task_url(self.task, "/cancel"), {"reason": "x"}, user=self.member2),
                          403)
        self.assert_error(self.api("post", self.task_url(self.task, "/cancel"), {"reason": ""}, user=self.owner),
                          400, "bad_reason")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.api("post", self.task_url(self.task, "/cancel"), {"reason": "Trùng nhiệm vụ khác"},
                                user=self.owner)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertTrue(Notification.objects.filter(kind="task.cancelled", user=self.member2).exists())
        self.assert_error(self.post_report(self.task, self.member2, comment="x"), 409, "task_closed")

    def test_editing(self):
        body = {"title": "Rà soát lại", "unit": None, "assignee": self.deputy.pk, "deadline": in_days(20).isoformat()}
        self.assert_error(self.api("patch", self.task_url(self.task), body, user=self.member2), 403)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.api("patch", self.task_url(self.task), body, user=self.owner)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["assignee"], self.deputy.pk)
        self.assertTrue(Notification.objects.filter(kind="task.assigned", user=self.deputy).exists())
        self.assert_error(self.api("patch", self.task_url(self.task), {**body, "deadline": in_days(-1).isoformat()},
                                   user=self.owner), 400, "bad_deadline")
        # an overdue task keeps its (past) deadline when something else changes
        FollowUpTask.objects.filter(pk=self.task.pk).update(deadline=in_days(-3))
        ok = self.api("patch", self.task_url(self.task), {**body, "title": "Khác", "deadline": in_days(-3).isoformat()},
                      user=self.owner)
        self.assertEqual(ok.status_code, 200, ok.content)

    def test_the_task_page_for_each_role(self):
        url = f"/tasks/{self.task.pk}/"
        self.assertContains(self.client_for(self.member2).get(url), 'data-testid="report-form"')
        office = self.client_for(self.office).get(url)
        self.assertContains(office, 'data-testid="report-form"')
        self.assertNotContains(office, 'data-testid="cancel-form"')
        owner = self.client_for(self.owner).get(url)
        self.assertContains(owner, 'data-testid="cancel-form"')
        self.assertNotContains(owner, 'data-testid="report-form"')
        self.assertNotContains(self.client_for(self.reader).get(url), 'data-testid="cancel-form"')
        for user in (self.member, self.guest, self.outsider):
            self.assertEqual(self.client_for(user).get(url).status_code, 404)
        self.assertEqual(Client().get(url).status_code, 302)
        self.assertEqual(self.client_for(self.member2).get(f"/tasks/{self.task.pk}/nonsense/").status_code, 405)
        self.assertEqual(self.client_for(self.member2).post(f"/tasks/{self.task.pk}/nonsense/").status_code, 404)

    def test_the_page_forms(self):
        client = self.client_for(self.member2)
        response = client.post(f"/tasks/{self.task.pk}/report/", {"comment": "Tiến độ tuần 1", "progress": "20",
                                                                  "file": [pdf_file()]})
        self.assertEqual(response.status_code, 302)
        refused = client.post(f"/tasks/{self.task.pk}/report/", {"comment": "", "progress": "101"})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, 'data-testid="page-error"', status_code=400)
        self.assertEqual(client.post(f"/tasks/{self.task.pk}/done/", {"comment": "Xong"}).status_code, 302)
        self.task.refresh_from_db()
        self.assertEqual(self.task.status, "done")
        owner = self.client_for(self.owner)
        self.assertEqual(owner.post(f"/tasks/{self.task.pk}/reopen/", {"reason": "Bổ sung"}).status_code, 302)
        self.assertEqual(owner.post(f"/tasks/{self.task.pk}/cancel/", {"reason": "Thôi"}).status_code, 302)
        self.task.refresh_from_db()
        self.assertEqual(self.task.status, "cancelled")
        # the assignee cannot cancel through the page either
        self.assertEqual(client.post(f"/tasks/{self.task.pk}/reopen/", {}).status_code, 403)


class Attachments(FollowUpCase):
    def setUp(self) -> None:
        super().setUp()
        self.task = self.give(unit=self.other_unit)
        self.post_report(self.task, self.member2, comment="Kèm báo cáo", files=[pdf_file()])
        self.attachment = TaskAttachment.objects.get()
        self.url = f"/tasks/{self.task.pk}/files/{self.attachment.pk}/"

    def test_delivery_and_its_forbidden_twin(self):
        for user, mode in ((self.member2, "original"), (self.owner, "original"), (self.clerk, "original"),
                           (self.office, "watermarked"), (self.reader, "watermarked")):
            with self.subTest(user=user.username):
                response = self.client_for(user).get(self.url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["X-Ecabinet-Delivery"], mode)
                self.assertEqual(response["Cache-Control"], "no-store, private")
        self.assertTrue(AuditEvent.objects.filter(action="task_attachment.download").exists())
        for user in (self.member, self.guest, self.outsider):
            self.assertEqual(self.client_for(user).get(self.url).status_code, 404)
        self.assertEqual(Client().get(self.url).status_code, 302)
        other = self.give(title="Việc khác")
        self.assertEqual(self.client_for(self.owner).get(f"/tasks/{other.pk}/files/{self.attachment.pk}/").status_code,
                         404)


class Board(FollowUpCase):
    def setUp(self) -> None:
        super().setUp()
        self.late = self.give(title="Việc quá hạn", unit=self.other_unit, assignee=None)
        self.soon = self.give(title="Việc sắp đến hạn", unit=self.other_unit, assignee=None, deadline=in_days(3))
        self.person = self.give(title="Việc giao cá nhân")
        self.done_late = self.give(title="Việc xong muộn", unit=self.department, assignee=None)
        FollowUpTask.objects.filter(pk=self.late.pk).update(deadline=in_days(-2))
        actions.do_complete_task(self.done_late, actor=self.unit_admin, comment="Xong")
        FollowUpTask.objects.filter(pk=self.done_late.pk).update(deadline=in_days(-5))

    def test_counts_and_overdue_flags(self):
        data = self.api("get", "/api/v1/tasks/board", user=self.owner).json()
        units = {u["name"]: u for u in data["units"]}
        self.assertEqual(units["Sở Y tế"]["counts"], {"open": 2, "overdue": 1, "done": 0, "done_late": 0,
                                                      "cancelled": 0})
        self.assertEqual(units["Sở Tài chính"]["counts"]["done_late"], 1)
        flags = {t["title"]: (t["overdue"], t["done_late"]) for u in data["units"] for t in u["tasks"]}
        self.assertEqual(flags["Việc quá hạn"], (True, False))
        self.assertEqual(flags["Việc sắp đến hạn"], (False, False))
        self.assertEqual(flags["Việc xong muộn"], (False, True))
        self.assertEqual(data["totals"]["open"], 3)
        page = self.client_for(self.owner).get("/tasks/board/")
        self.assertContains(page, f'data-testid="board-task-{self.late.pk}" class="task-overdue"')
        self.assertContains(page, 'data-testid="task-overdue"', count=1)

    def test_filters(self):
        def titles(**query):
            data = self.api("get", "/api/v1/tasks/board?" + "&".join(f"{k}={v}" for k, v in query.items()),
                            user=self.owner).json()
            return sorted(t["title"] for u in data["units"] for t in u["tasks"])

        self.assertEqual(titles(overdue="true"), ["Việc quá hạn"])
        self.assertEqual(titles(unit=self.other_unit.pk), ["Việc quá hạn", "Việc sắp đến hạn"])
        self.assertEqual(titles(status="done"), ["Việc xong muộn"])
        self.assertEqual(titles(since=in_days(0).isoformat(), until=in_days(5).isoformat()), ["Việc sắp đến hạn"])
        self.assertEqual(len(titles(meeting=self.meeting.pk)), 4)
        self.assertEqual(titles(meeting=999999), [])
        self.assert_error(self.api("get", "/api/v1/tasks/board?status=lost", user=self.owner), 400)
        self.assert_error(self.api("get", "/api/v1/tasks/board?since=hôm-qua", user=self.owner), 400)
        page = self.client_for(self.owner).get("/tasks/board/", {"overdue": "1", "unit": self.other_unit.pk})
        self.assertContains(page, "Việc quá hạn")
        self.assertNotContains(page, "Việc sắp đến hạn")
        self.assertEqual(self.client_for(self.owner).get("/tasks/board/", {"status": "lost"}).status_code, 400)

    def test_csv(self):
        response = self.client_for(self.owner).get("/tasks/board.csv", {"overdue": "1"})
        text = response.content.decode("utf-8-sig")
        self.assertIn("Việc quá hạn", text)
        self.assertNotIn("Việc sắp đến hạn", text)
        self.assertIn("Đơn vị chủ trì", text.splitlines()[0])

    def test_who_sees_the_board(self):
        for user in (self.owner, self.clerk, self.reader, self.admin, self.unit_admin):
            with self.subTest(user=user.username):
                self.assertEqual(self.client_for(user).get("/tasks/board/").status_code, 200)
        for user in (self.member, self.member2, self.guest):
            with self.subTest(user=user.username):
                self.assertEqual(self.client_for(user).get("/tasks/board/").status_code, 403)
                self.assert_error(self.api("get", "/api/v1/tasks/board", user=user), 403)
                self.assertEqual(self.client_for(user).get("/tasks/board.csv").status_code, 403)
        self.assertEqual(Client().get("/tasks/board/").status_code, 302)
        self.assertEqual(self.api("get", "/api/v1/tasks/board").status_code, 401)
        # the office of another unit sees its own board: not these tasks, given by the department
        data = self.api("get", "/api/v1/tasks/board", user=self.office).json()
        self.assertEqual(data["units"], [])

    def test_pinned_queries(self):
        client = self.client_for(self.owner)
        client.get("/tasks/board/")
        with self.assertNumQueries(BOARD_QUERIES) as first:
            client.get("/tasks/board/")
        for n in range(12):
            self.give(title=f"Việc thêm {n}", unit=self.other_unit if n % 2 else self.department, assignee=None)
        # The owner gave them: their own actions forget their menu's cached counts (the to-do and
        # the unread), each counted again once.
        with self.assertNumQueries(len(first.captured_queries) + 2):
            response = client.get("/tasks/board/")
        self.assertContains(response, "Việc thêm 11")


# After a first page: the menu's to-do counts come from the cache (ecabinet/menu_counts.py); the
# session too (SESSION_ENGINE cached_db).
BOARD_QUERIES = 9  # the menu's to-do and unread counts kept from the first page
MINE_QUERIES = 4  # the menu's to-do and unread counts kept from the first page


class MyTasks(FollowUpCase):
    def setUp(self) -> None:
        super().setUp()
        self.mine = self.give(title="Việc của tôi")
        self.unit_task = self.give(title="Việc của Sở Y tế", unit=self.other_unit, assignee=None)

    def test_my_tasks_and_the_to_do_list(self):
        page = self.client_for(self.member2).get("/tasks/")
        self.assertContains(page, "Việc của tôi")
        self.assertNotContains(page, "Việc của Sở Y tế")
        self.assertContains(page, 'data-testid="nav-task-count">1<')
        office = self.client_for(self.office).get("/tasks/")
        self.assertContains(office, "Việc của Sở Y tế")
        self.assertContains(office, "Việc được giao")
        home = self.client_for(self.member2).get("/")
        self.assertContains(home, 'data-testid="home-tasks"')
        self.assertContains(home, f'data-testid="home-task-{self.mine.pk}"')
        # a plain member of the assigned unit, and the issuing runner, hold no task
        for user in (self.outsider, self.owner, self.member):
            with self.subTest(user=user.username):
                self.assertNotContains(self.client_for(user).get("/"), 'data-testid="home-tasks"')
                self.assertEqual(self.api("get", "/api/v1/tasks", user=user).json()["tasks"], [])
        api = self.api("get", "/api/v1/tasks", user=self.member2).json()
        self.assertEqual([t["title"] for t in api["tasks"]], ["Việc của tôi"])
        self.assertEqual(self.api("get", "/api/v1/tasks").status_code, 401)
        self.assert_error(self.api("get", "/api/v1/tasks?status=lost", user=self.member2), 400)
        actions.do_complete_task(self.mine, actor=self.member2)
        self.assertEqual(self.api("get", "/api/v1/tasks", user=self.member2).json()["tasks"], [])
        self.assertEqual(len(self.api("get", "/api/v1/tasks?status=all", user=self.member2).json()["tasks"]), 1)
        self.assertNotContains(self.client_for(self.member2).get("/tasks/"), 'data-testid="nav-task-count"')

    def test_detail_api_for_each_role(self):
        url = f"/api/v1/tasks/{self.unit_task.pk}"
        for user in (self.owner, self.office, self.clerk, self.reader, self.admin):
            self.assertEqual(self.api("get", url, user=user).status_code, 200)
        for user in (self.member, self.member2, self.guest, self.outsider):
            self.assert_error(self.api("get", url, user=user), 404, "not_found")
        self.assertEqual(self.api("get", url).status_code, 401)

    def test_pinned_queries(self):
        client = self.client_for(self.member2)
        client.get("/tasks/")
        with self.assertNumQueries(MINE_QUERIES):
            client.get("/tasks/")
        for n in range(8):
            self.give(title=f"Việc thêm {n}")
        # Each task given notifies its assignee, which forgets their menu's cached counts
        # (ecabinet/menu_counts.py): this page counts them again, once (the to-do and the unread).
        with self.assertNumQueries(MINE_QUERIES + 2):
            response = client.get("/tasks/")
        self.assertContains(response, "Việc thêm 7")
        home = self.client_for(self.member2)
        home.get("/")
        with self.assertNumQueries(HOME_QUERIES) as first:
            home.get("/")
        self.give(title="Thêm một việc nữa")
        with self.assertNumQueries(len(first.captured_queries) + 2):  # told of it: both counted again once
            home.get("/")


HOME_QUERIES = 8  # the menu's (and the to-do groups') counts and the unread count kept from the first page, the session cached; no approved notices read for one who issues none


class Reminders(FollowUpCase):
    """2 working days before, on the day, once overdue (the issuing office too); never twice."""

    def at(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=8)))

    def test_working_days_before_on_the_day_and_overdue(self):
        task = self.give(unit=self.other_unit)
        # a Thursday deadline: reminded on Tuesday (2 working days before), not on Monday
        thursday = date(2027, 3, 11)
        FollowUpTask.objects.filter(pk=task.pk).update(deadline=thursday)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 8))), 0)
            self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 9))), 1)
            self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 10))), 0)  # once only
        before = Notification.objects.filter(kind="task.due")
        self.assertEqual(set(before.values_list("user__username", flat=True)), {"member2", "office"})
        self.assertIn("sắp đến hạn", before.first().title)
        self.assertEqual(remind_tasks_due(self.at(thursday)), 1)
        self.assertEqual(remind_tasks_due(self.at(thursday)), 0)
        Notification.objects.all().delete()
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 12))), 1)
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 15))), 0)
        overdue = set(Notification.objects.filter(kind="task.due").values_list("user__username", flat=True))
        self.assertEqual(overdue, {"member2", "office", "owner"})
        self.assertEqual(ReminderSent.objects.filter(key__startswith=f"task-due:{task.pk}:").count(), 3)

    def test_a_weekend_counts_no_working_days(self):
        task = self.give()
        monday = date(2027, 3, 15)
        FollowUpTask.objects.filter(pk=task.pk).update(deadline=monday)
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 10))), 0)  # Wednesday: 3 working days
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 11))), 1)  # Thursday: Fri + Mon
        self.assertEqual(add_working_days(date(2027, 3, 11), 2), monday)

    @override_settings(TASK_REMINDER_WORKING_DAYS=5)
    def test_the_setting(self):
        task = self.give()
        FollowUpTask.objects.filter(pk=task.pk).update(deadline=date(2027, 3, 15))
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 8))), 1)

    def test_done_and_cancelled_tasks_are_not_reminded(self):
        done, cancelled = self.give(), self.give(title="Hủy")
        actions.do_complete_task(done, actor=self.member2)
        actions.do_cancel_task(cancelled, actor=self.owner, reason="Trùng")
        FollowUpTask.objects.update(deadline=date(2027, 3, 1))
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 10))), 0)

    def test_a_moved_deadline_reminds_again(self):
        task = self.give()
        FollowUpTask.objects.filter(pk=task.pk).update(deadline=date(2027, 3, 11))
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 11))), 1)
        with mock.patch("django.utils.timezone.localdate", return_value=date(2027, 3, 11)):
            actions.do_edit_task(task, actor=self.owner, title=task.title, assignee=self.member2,
                                 deadline=date(2027, 3, 25))
        self.assertEqual(remind_tasks_due(self.at(date(2027, 3, 23))), 1)
