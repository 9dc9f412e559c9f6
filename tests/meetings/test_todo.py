"""My to-do on the home page and its counts in the menu (fn49): invitations to answer, documents
to sign, written opinions due, tasks given to me — each for the right person only, gone once
done, counted in one query."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from ecabinet.access import global_permissions
from meetings.actions import followup as task_actions
from meetings.actions.opinions import do_answer
from meetings.actions.preparation import do_cancel_meeting
from meetings.models import Meeting, OpinionRound
from meetings.selectors_todo import HOME_ITEMS, todo_counts
from signing.actions.requests import do_decline_request
from tests.kit import factories
from tests.kit.cases import PrepTestCase


class TodoCase(PrepTestCase):
    def home(self, user) -> str:
        response = self.client_for(user).get("/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    @staticmethod
    def badge(html: str, testid: str) -> int | None:
        """The number in the badge `testid`, None when the page shows none."""
        found = re.search(rf'data-testid="{testid}"[^>]*>(\d+)<', html)
        return int(found.group(1)) if found else None

    def count(self, user, kind: str) -> int:
        return todo_counts(user)[kind]


class Invitations(TodoCase):
    def test_an_unanswered_invitation_is_to_do_until_answered(self):
        # a draft: nobody invited sees it yet
        self.assertEqual(self.count(self.member, "invitations"), 0)
        self.schedule()
        home = self.home(self.member)
        self.assertIn(f'data-testid="todo-invitation-{self.meeting.pk}"', home)
        self.assertEqual(self.badge(home, "nav-invitation-count"), 1)
        self.assertIn('data-testid="nav-todo-count"', home)
        self.assertIn("Giấy mời cần trả lời", home)
        # the outsider, the anonymous visitor: nothing
        outsider = self.home(self.outsider)
        self.assertIn('data-testid="todo-empty"', outsider)
        self.assertIn("Không có việc cần làm", outsider)
        self.assertNotIn("nav-todo-count", outsider)
        self.assertEqual(todo_counts(AnonymousUser()), {"total": 0})
        self.assertEqual(Client().get("/").status_code, 302)
        factories.answer_invitation(self.meeting, by=self.member, response="attend")
        home = self.home(self.member)
        self.assertNotIn(f"todo-invitation-{self.meeting.pk}", home)
        self.assertNotIn("nav-invitation-count", home)

    def test_a_cancelled_or_past_meeting_asks_nothing(self):
        self.schedule()
        other = self.make_meeting(title="Họp giao ban", scheduled=True)
        self.assertEqual(self.count(self.member, "invitations"), 2)
        do_cancel_meeting(other, actor=self.owner, reason="Lãnh đạo đi công tác")
        self.assertEqual(self.count(self.member, "invitations"), 1)
        Meeting.objects.filter(pk=self.meeting.pk).update(starts_at=timezone.now() - timedelta(hours=5),
                                                           ends_at=timezone.now() - timedelta(hours=2))
        self.assertEqual(self.count(self.member, "invitations"), 0)

    def test_soonest_first_limited_with_a_link_to_all(self):
        self.schedule()
        for days in range(4, 4 + HOME_ITEMS):
            self.make_meeting(title=f"Họp sau {days} ngày", days=days, scheduled=True)
        home = self.home(self.member)
        self.assertIn(f'data-testid="todo-count-invitations">{HOME_ITEMS + 1}<', home)
        self.assertIn(f"Xem tất cả {HOME_ITEMS + 1}", home)
        shown = home.count('data-testid="todo-invitation-')
        self.assertEqual(shown, HOME_ITEMS)
        # the soonest (three days away) first, the latest one left out
        self.assertLess(home.index(f"todo-invitation-{self.meeting.pk}"), home.index("Họp sau 4 ngày"))
        self.assertNotIn(f"Họp sau {3 + HOME_ITEMS} ngày", home.split('data-testid="todo"')[1].split("</section>\n<section")[0])


class Opinions(TodoCase):
    def test_a_round_asking_me_until_answered_or_closed(self):
        self.schedule()
        rnd = factories.make_round(by=self.owner, asked=[self.member], meeting=self.meeting)
        home = self.home(self.member)
        self.assertIn(f'data-testid="todo-opinion-{rnd.pk}"', home)
        self.assertEqual(self.badge(home, "nav-opinion-count"), 1)
        for user in (self.outsider, self.owner, self.member2):
            with self.subTest(user=user.username):
                self.assertEqual(self.count(user, "opinions"), 0)
        do_answer(rnd, actor=self.member, choice="agree")
        self.assertEqual(self.count(self.member, "opinions"), 0)
        other = factories.make_round(by=self.owner, asked=[self.member], meeting=self.meeting, title="Dự thảo 2")
        self.assertEqual(self.count(self.member, "opinions"), 1)
        OpinionRound.objects.filter(pk=other.pk).update(deadline=timezone.now() - timedelta(minutes=1))
        self.assertEqual(self.count(self.member, "opinions"), 0)


class Signing(TodoCase):
    def test_in_order_only_the_signer_whose_turn_it_is(self):
        document = factories.upload_own_document(by=self.owner, title="Quyết định phê duyệt")
        request = factories.ask_to_sign(document, [self.member, self.member2], by=self.owner,
                                        due=timezone.now() + timedelta(days=2))
        home = self.home(self.member)
        self.assertIn(f'data-testid="todo-sign-{request.pk}"', home)
        self.assertEqual(self.badge(home, "nav-signing-count"), 1)
        self.assertEqual(self.count(self.member2, "signing"), 0)  # not yet their turn
        for user in (self.outsider, self.owner):
            with self.subTest(user=user.username):
                self.assertEqual(self.count(user, "signing"), 0)
        do_decline_request(request, actor=self.member, reason="Sai số liệu")
        self.assertEqual(self.count(self.member, "signing"), 0)
        self.assertEqual(self.count(self.member2, "signing"), 0)  # the request is closed

    def test_in_parallel_everyone_asked(self):
        document = factories.upload_own_document(by=self.owner)
        factories.ask_to_sign(document, [self.member, self.member2], by=self.owner, sequential=False)
        self.assertEqual(self.count(self.member, "signing"), 1)
        self.assertEqual(self.count(self.member2, "signing"), 1)


class Tasks(TodoCase):
    def test_a_task_given_to_me_until_done(self):
        self.meeting = factories.bring_to(self.meeting, "ended", by=self.owner)
        task = task_actions.do_create_task(self.meeting, actor=self.owner, title="Rà soát dự án",
                                           assignee=self.member2, deadline=timezone.localdate() + timedelta(days=3))
        home = self.home(self.member2)
        self.assertIn(f'data-testid="home-task-{task.pk}"', home)
        self.assertEqual(self.badge(home, "nav-task-count"), 1)
        self.assertIn('data-testid="nav-todo-count"', home)
        for user in (self.outsider, self.owner, self.member):
            with self.subTest(user=user.username):
                self.assertEqual(self.count(user, "tasks"), 0)
        task_actions.do_complete_task(task, actor=self.member2)
        self.assertEqual(self.count(self.member2, "tasks"), 0)
        self.assertIn('data-testid="todo-empty"', self.home(self.member2))


class Counts(TodoCase):
    def test_every_kind_in_one_query_and_the_total(self):
        self.schedule()
        factories.make_round(by=self.owner, asked=[self.member], meeting=self.meeting)
        document = factories.upload_own_document(by=self.owner)
        factories.ask_to_sign(document, [self.member], by=self.owner)
        member = type(self.member).objects.get(pk=self.member.pk)
        global_permissions(member)  # every page reads the person's rights first (the menu's `can`)
        with self.assertNumQueries(1):
            counts = todo_counts(member)
        self.assertEqual(counts, {"invitations": 1, "signing": 1, "opinions": 1, "tasks": 0, "total": 3})
        home = self.home(self.member)
        self.assertEqual(self.badge(home, "nav-todo-count"), 3)
        # the home page lists what the menu counts
        for kind in ("invitations", "signing", "opinions"):
            self.assertEqual(self.badge(home, f"todo-count-{kind}"), 1)
        # the to-do block comes before today's meetings
        self.assertLess(home.index('data-testid="todo"'), home.index("Cuộc họp của tôi hôm nay"))


class MenuCountsKept(TodoCase):
    """The menu's counts are kept for a short while (ecabinet/menu_counts.py) and forgotten when
    the person acts or is told of something new."""

    def test_kept_between_pages_then_forgotten_by_the_persons_own_action(self):
        self.schedule()
        other = self.make_meeting(title="Họp chuyên đề")  # a draft: not yet anyone's to-do
        client = self.client_for(self.member)  # one sign-in (signing in is an action of theirs too)
        self.assertEqual(self.badge(client.get("/").content.decode(), "nav-invitation-count"), 1)
        # The draft scheduled behind the actions' back: no one is told, so the kept count
        # stands (the pages do not count on every view)...
        Meeting.objects.filter(pk=other.pk).update(status=Meeting.Status.SCHEDULED)
        self.assertEqual(self.badge(client.get("/").content.decode(), "nav-invitation-count"), 1)
        # ...until the person acts: answering the first one forgets their counts at once.
        factories.answer_invitation(self.meeting, by=self.member, response="attend")
        home = client.get("/").content.decode()
        self.assertEqual(self.badge(home, "nav-invitation-count"), 1)
        self.assertIn(f'data-testid="todo-invitation-{other.pk}"', home)
        self.assertNotIn(f'data-testid="todo-invitation-{self.meeting.pk}"', home)

    def test_reading_a_document_keeps_them(self):
        self.schedule()
        document = factories.upload_document(self.meeting, by=self.owner, title="Tờ trình ngân sách")
        other = self.make_meeting(title="Họp chuyên đề")
        client = self.client_for(self.member)
        self.assertEqual(self.badge(client.get("/").content.decode(), "nav-invitation-count"), 1)
        Meeting.objects.filter(pk=other.pk).update(status=Meeting.Status.SCHEDULED)  # behind the actions' back
        # Reading writes an audit row of the reader's, but changes nothing they have to do.
        self.assertEqual(client.get(f"/documents/{document.pk}/view/").status_code, 200)
        self.assertEqual(self.badge(client.get("/").content.decode(), "nav-invitation-count"), 1)
        factories.answer_invitation(self.meeting, by=self.member, response="attend")  # an action: counted again
        self.assertIn(f'data-testid="todo-invitation-{other.pk}"', client.get("/").content.decode())

    def test_forgotten_when_the_person_is_told_of_something_new(self):
        self.meeting = factories.bring_to(self.meeting, "ended", by=self.owner)
        self.assertIsNone(self.badge(self.home(self.member2), "nav-task-count"))
        task_actions.do_create_task(self.meeting, actor=self.owner, title="Báo cáo kết quả",
                                    assignee=self.member2, deadline=timezone.localdate() + timedelta(days=3))
        self.assertEqual(self.badge(self.home(self.member2), "nav-task-count"), 1)  # told: counted again
        # Another person's counts are theirs alone.
        self.assertEqual(self.count(self.member, "tasks"), 0)
