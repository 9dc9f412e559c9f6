"""The prepared vote list and running it (fn19, fn41-fn44, fn110-fn112): every action and endpoint
with the roles that may and may not use it, bad input, and the results table and its exports."""

from __future__ import annotations

import csv
import io

from ecabinet.models import AuditEvent
from meetings.actions import room as room_actions
from meetings.actions import room_polls
from meetings.actions import votes as actions
from meetings.models import MeetingEvent, Poll, PollOption, PollReady, PollVoter
from tests.kit.cases import BaseTestCase
from tests.kit.rooms import make_room


class VoteListTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(status="scheduled", prefix="v")
        self.m = self.room.meeting
        self.url = f"/api/v1/meetings/{self.m.pk}"
        self.item = self.room.items[0]

    def create(self, user=None, **body):
        body = {"question": "Thông qua tờ trình?", "item": self.item.pk, **body}
        return self.api("post", f"{self.url}/polls", body, user=user or self.room.secretary)

    def test_ballot_sets_including_the_council_form(self):
        sets = {"agree": ["Đồng ý", "Không đồng ý", "Ý kiến khác"], "yes_no": ["Có", "Không"],
                "council": ["Đồng ý", "Không đồng ý", "Phiếu trắng"]}
        for ballot_set, labels in sets.items():
            response = self.create(ballot_set=ballot_set)
            self.assertEqual(response.status_code, 200, response.content)
            poll = response.json()
            self.assertEqual([o["label"] for o in poll["options"]], labels)
            self.assertEqual(poll["ballot_set"], ballot_set)
            self.assertEqual(poll["status"], "draft")
        custom = self.create(ballot_set="custom", options=["Phương án A", "Phương án B"]).json()
        self.assertEqual([o["key"] for o in custom["options"]], ["o1", "o2"])
        # positions follow the order of creation within the item
        self.assertEqual(list(Poll.objects.filter(item=self.item).order_by("position").values_list("position", flat=True)),
                         [1, 2, 3, 4])

    def test_bad_input_is_refused_clearly(self):
        for body in ({"ballot_set": "nope"}, {"ballot_set": "custom", "options": ["Một"]},
                     {"question": ""}, {"majority": "most"}, {"secret": True, "signed": True},
                     {"question": "x" * 1001}):
            error = self.assert_error(self.create(**body), 400, "bad_request")
            self.assertNotIn("the", error["message"].split())  # Vietnamese, not English
        self.assert_error(self.create(item=999999), 404, "not_found")
        self.assert_error(self.create(item="x"), 400)
        self.assertFalse(Poll.objects.filter(meeting=self.m).exists())

    def test_only_runners_prepare_and_only_drafts_change(self):
        poll = self.create().json()
        edit = f"/api/v1/polls/{poll['id']}/edit"
        body = {"question": "Thông qua tờ trình (sửa)?", "ballot_set": "council", "item": self.room.items[1].pk}
        for user, status in ((self.room.member, 403), (self.room.guest, 403), (self.outsider, 404), (None, 401)):
            self.assert_error(self.api("post", edit, body, user=user), status)
            self.assert_error(self.api("post", f"/api/v1/polls/{poll['id']}/delete", user=user), status)
            self.assert_error(self.create(user=user) if user else self.api("post", f"{self.url}/polls",
                                                                             {"question": "x"}), status)
        self.assertEqual(Poll.objects.get(pk=poll["id"]).question, "Thông qua tờ trình?")
        changed = self.api("post", edit, body, user=self.room.chair).json()
        self.assertEqual(changed["question"], "Thông qua tờ trình (sửa)?")
        self.assertEqual(changed["item"], self.room.items[1].pk)
        self.assertEqual([o["label"] for o in changed["options"]], ["Đồng ý", "Không đồng ý", "Phiếu trắng"])
        self.assertTrue(AuditEvent.objects.filter(action="poll.update").exists())
        # opened: no longer editable nor deletable
        self.api("post", f"{self.url}/start", user=self.room.chair)
        self.assertEqual(self.api("post", f"/api/v1/polls/{poll['id']}/open", user=self.room.chair).status_code, 200)
        error = self.assert_error(self.api("post", edit, body, user=self.room.secretary), 409, "bad_status")
        self.assertIn("chưa mở", error["message"])
        self.assert_error(self.api("post", f"/api/v1/polls/{poll['id']}/delete", user=self.room.secretary), 409)

    def test_delete_and_reorder(self):
        ids = [self.create(question=f"Câu {i}").json()["id"] for i in range(3)]
        reorder = f"{self.url}/polls/reorder"
        new = [ids[2], ids[0], ids[1]]
        for user, status in ((self.room.member, 403), (self.outsider, 404), (None, 401)):
            self.assert_error(self.api("post", reorder, {"item": self.item.pk, "order": new}, user=user), status)
        self.assert_error(self.api("post", reorder, {"item": self.item.pk, "order": ids[:2]},
                                   user=self.room.secretary), 400, "bad_request")
        self.assert_error(self.api("post", reorder, {"item": self.item.pk, "order": [*ids, ids[0]]},
                                   user=self.room.secretary), 400, "bad_request")
        self.assertEqual(self.api("post", reorder, {"item": self.item.pk, "order": new},
                                  user=self.room.secretary).status_code, 200)
        self.assertEqual(list(Poll.objects.filter(item=self.item).order_by("position").values_list("pk", flat=True)),
                         new)
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.m, type="polls.reordered").exists())
        self.assertEqual(self.api("post", f"/api/v1/polls/{ids[0]}/delete", user=self.room.secretary).status_code, 200)
        self.assertFalse(Poll.objects.filter(pk=ids[0]).exists())
        self.assertFalse(PollOption.objects.filter(poll_id=ids[0]).exists())
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.m, type="poll.removed").exists())

    def test_not_after_the_meeting(self):
        poll = self.create().json()
        self.api("post", f"{self.url}/start", user=self.room.chair)
        self.api("post", f"{self.url}/end", user=self.room.chair)
        self.assert_error(self.create(), 409, "bad_status")
        self.assert_error(self.api("post", f"/api/v1/polls/{poll['id']}/delete", user=self.room.secretary), 409)


class RunningVotesTests(BaseTestCase):
    """Pause and resume (fn41), ready to vote (fn42), results (fn44) and what members see (fn110)."""

    def setUp(self):
        self.room = make_room(prefix="w")
        self.m = self.room.meeting
        self.url = f"/api/v1/meetings/{self.m.pk}"
        self.poll = room_polls.do_create_poll(self.m, self.room.items[0], actor=self.room.secretary,
                                              question="Thông qua?", ballot_set="council")
        for user in (self.room.member, self.room.members[1], self.room.guest):
            room_actions.do_check_in(self.m, actor=user)

    def path(self, verb, poll=None):
        return f"/api/v1/polls/{(poll or self.poll).pk}/{verb}"

    def test_pause_and_resume(self):
        room_polls.do_open_poll(self.poll, actor=self.room.chair)
        for user, status in ((self.room.member, 403), (self.room.guest, 403), (self.outsider, 404), (None, 401)):
            self.assert_error(self.api("post", self.path("pause"), user=user), status)
        paused = self.api("post", self.path("pause"), user=self.room.chair).json()
        self.assertTrue(paused["paused"])
        self.assertEqual(paused["status"], "open")
        self.assert_error(self.api("post", self.path("pause"), user=self.room.chair), 409, "bad_status")
        error = self.assert_error(self.api("post", self.path("ballot"), {"choice": "agree"}, user=self.room.member),
                                  409, "poll_paused")
        self.assertIn("tạm dừng", error["message"])
        self.assertFalse(PollVoter.objects.filter(poll=self.poll).exists())
        self.assertTrue(MeetingEvent.objects.filter(meeting=self.m, type="poll.paused").exists())
        for user, status in ((self.room.member, 403), (self.outsider, 404)):
            self.assert_error(self.api("post", self.path("resume"), user=user), status)
        self.assertFalse(self.api("post", self.path("resume"), user=self.room.secretary).json()["paused"])
        self.assert_error(self.api("post", self.path("resume"), user=self.room.chair), 409, "bad_status")
        self.assertEqual(self.api("post", self.path("ballot"), {"choice": "blank"}, user=self.room.member).status_code, 200)
        # one vote only, no revote (fn112)
        self.assert_error(self.api("post", self.path("ballot"), {"choice": "agree"}, user=self.room.member), 409,
                          "already_voted")
        # a paused poll can be stopped
        self.api("post", self.path("pause"), user=self.room.chair)
        closed = self.api("post", self.path("close"), user=self.room.chair).json()
        self.assertEqual(closed["status"], "closed")
        self.assertFalse(closed["paused"])
        self.assert_error(self.api("post", self.path("pause"), user=self.room.chair), 409, "poll_not_open")

    def test_ready_to_vote(self):
        for user, status, code in ((self.room.guest, 403, "forbidden"), (self.room.secretary, 403, "forbidden"),
                                   (self.outsider, 404, "not_found"), (None, 401, None)):
            self.assert_error(self.api("post", self.path("ready"), user=user), status, code)
        self.assertEqual(self.api("post", self.path("ready"), user=self.room.chair).status_code, 403)  # not checked in
        mark = self.api("post", self.path("ready"), user=self.room.member).json()
        self.assertEqual(mark["participant"], self.room.member_parts[0].pk)
        self.assert_error(self.api("post", self.path("ready"), user=self.room.member), 409, "already_ready")
        self.assertEqual(PollReady.objects.filter(poll=self.poll).count(), 1)
        # the chair sees every mark, a member only their own, a guest none
        snapshot = self.api("get", f"{self.url}/room", user=self.room.chair).json()["state"]
        self.assertEqual([r["participant"] for r in snapshot["poll_ready"]], [self.room.member_parts[0].pk])
        self.assertEqual(self.api("get", f"{self.url}/room", user=self.room.members[1]).json()["state"]["poll_ready"], [])
        self.assertEqual(self.api("get", f"{self.url}/room", user=self.room.guest).json()["state"]["poll_ready"], [])
        self.assertEqual(len(self.api("get", f"{self.url}/room", user=self.room.member).json()["state"]["poll_ready"]), 1)
        # undo
        self.assert_error(self.api("post", self.path("unready"), user=self.room.members[1]), 409, "not_ready")
        self.assertEqual(self.api("post", self.path("unready"), user=self.room.member).status_code, 200)
        self.assertFalse(PollReady.objects.exists())
        # closed: refused
        room_polls.do_open_poll(self.poll, actor=self.room.chair)
        room_polls.do_close_poll(self.poll, actor=self.room.chair)
        self.assert_error(self.api("post", self.path("ready"), user=self.room.member), 409, "poll_closed")

    def test_results_table_counts_as_the_poll_shows_them(self):
        hidden = self.poll
        live = room_polls.do_create_poll(self.m, self.room.items[0], actor=self.room.secretary, question="Trực tiếp?",
                                         show_live=True)
        for poll in (hidden, live):
            room_polls.do_open_poll(poll, actor=self.room.chair)
            room_polls.do_cast_ballot(poll, actor=self.room.member, choice="agree")
        rows = {r["id"]: r for r in self.api("get", f"{self.url}/votes", user=self.room.members[1]).json()["polls"]}
        self.assertEqual([o["count"] for o in rows[hidden.pk]["options"]], [None, None, None])  # after close only
        self.assertEqual([o["count"] for o in rows[live.pk]["options"]], [1, 0, 0])  # live counts
        self.assertEqual(rows[hidden.pk]["cast"], 1)
        room_polls.do_close_poll(hidden, actor=self.room.chair)
        for user in (self.room.member, self.room.guest, self.room.chair):
            row = next(r for r in self.api("get", f"{self.url}/votes", user=user).json()["polls"] if r["id"] == hidden.pk)
            self.assertEqual([o["count"] for o in row["options"]], [1, 0, 0])
            self.assertEqual((row["cast"], row["present"], row["eligible"]), (1, 2, 3))
        self.assert_error(self.api("get", f"{self.url}/votes", user=self.outsider), 404)
        self.assert_error(self.api("get", f"{self.url}/votes"), 401)
        # exports
        response = self.client_for(self.room.member).get(f"/meetings/{self.m.pk}/votes/results.csv")
        self.assertEqual(response.status_code, 200)
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertIn("Nội dung biểu quyết", lines[0])
        self.assertIn("Đồng ý: 1; Không đồng ý: 0; Phiếu trắng: 0", lines[1])  # closed: counts
        self.assertIn("Đồng ý: 1; Không đồng ý: 0; Ý kiến khác: 0", lines[2])  # open, live counts
        pdf = self.client_for(self.room.member).get(f"/meetings/{self.m.pk}/votes/results.pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertTrue(b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF"))
        self.assertEqual(self.client_for(self.outsider).get(f"/meetings/{self.m.pk}/votes/results.csv").status_code, 404)
        self.assertEqual(self.client.get(f"/meetings/{self.m.pk}/votes/results.csv").status_code, 302)


class VotesPageTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(status="scheduled", prefix="p")
        self.m = self.room.meeting
        self.page = f"/meetings/{self.m.pk}/votes/"

    def test_the_secretary_prepares_the_list_on_the_page(self):
        client = self.client_for(self.room.secretary)
        response = client.post(self.page + "add/", {"question": "Thông qua kế hoạch?", "item": self.room.items[1].pk,
                                                   "ballot_set": "council", "majority": "cast", "options": ["", ""]})
        self.assertEqual(response.status_code, 302)
        poll = Poll.objects.get(meeting=self.m)
        self.assertEqual(poll.item, self.room.items[1])
        self.assertEqual(list(poll.options.values_list("key", flat=True)), ["agree", "disagree", "blank"])
        second = client.post(self.page + "add/", {"question": "Phương án?", "item": self.room.items[1].pk,
                                                 "ballot_set": "custom", "majority": "cast",
                                                 "options": ["Phương án A", "Phương án B", ""], "signed": "on"})
        self.assertEqual(second.status_code, 302)
        other = Poll.objects.get(question="Phương án?")
        self.assertTrue(other.signed)
        client.post(self.page + f"{other.pk}/up/")
        self.assertEqual(list(Poll.objects.filter(meeting=self.m).order_by("position").values_list("pk", flat=True)),
                         [other.pk, poll.pk])
        client.post(self.page + f"{poll.pk}/edit/", {"question": "Thông qua kế hoạch (sửa)?", "ballot_set": "yes_no",
                                                    "majority": "present", "item": self.room.items[1].pk})
        poll.refresh_from_db()
        self.assertEqual((poll.question, poll.ballot_set, poll.majority), ("Thông qua kế hoạch (sửa)?", "yes_no", "present"))
        page = client.get(self.page)
        self.assertContains(page, "Thông qua kế hoạch (sửa)?")
        self.assertContains(page, 'data-testid="add-vote"')
        client.post(self.page + f"{poll.pk}/delete/")
        self.assertFalse(Poll.objects.filter(pk=poll.pk).exists())

    def test_members_see_results_only_and_cannot_change(self):
        poll = room_polls.do_create_poll(self.m, self.room.items[0], actor=self.room.secretary, question="Thông qua?")
        member = self.client_for(self.room.member)
        page = member.get(self.page)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'data-testid="add-vote"')
        self.assertContains(page, "Thông qua?")
        for url in (self.page + "add/", self.page + f"{poll.pk}/delete/", self.page + f"{poll.pk}/up/"):
            self.assertEqual(member.post(url, {"question": "x"}).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).get(self.page).status_code, 404)
        self.assertEqual(self.client_for(self.outsider).post(self.page + f"{poll.pk}/delete/").status_code, 404)
        self.assertEqual(self.client.get(self.page).status_code, 302)
        self.assertTrue(Poll.objects.filter(pk=poll.pk).exists())
        self.assertEqual(self.client_for(self.room.secretary).post(self.page + f"{poll.pk}/bogus/").status_code, 404)
        # bad input: back to the page with the message, nothing written
        refused = self.client_for(self.room.secretary).post(self.page + "add/", {"question": ""}, follow=True)
        self.assertContains(refused, "từ 1 đến 1000 ký tự")
        self.assertEqual(Poll.objects.filter(meeting=self.m).count(), 1)


def test_actions_refuse_what_they_must(db):
    room = make_room(prefix="z")
    poll = room_polls.do_create_poll(room.meeting, actor=room.secretary, question="Thông qua?")
    import pytest

    from ecabinet.errors import ConflictError, PermissionDeniedError
    with pytest.raises(PermissionDeniedError):
        actions.do_pause_poll(poll, actor=room.member)
    with pytest.raises(ConflictError):
        actions.do_pause_poll(poll, actor=room.chair)
    with pytest.raises(PermissionDeniedError):
        actions.do_mark_ready(poll, actor=room.guest)
