"""Room endpoints: running the meeting, attendance, the floor, votes — allowed and refused paths."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecabinet.models import AuditEvent
from meetings.actions.room import do_issue_checkin_code
from meetings.models import (
    Attendance,
    MeetingEvent,
    Participant,
    Poll,
    PollVoter,
    SpeakerRequest,
)
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf
from tests.kit.rooms import make_room


class RoomApiTests(BaseTestCase):
    def setUp(self):
        self.room = make_room(status="scheduled", prefix="r")
        self.m = self.room.meeting
        self.url = f"/api/v1/meetings/{self.m.pk}"

    def start(self):
        self.assertEqual(self.api("post", f"{self.url}/start", user=self.room.chair).status_code, 200)

    def test_start_end_and_current_item(self):
        self.assert_error(self.api("post", f"{self.url}/start", user=self.room.member), 403, "forbidden")
        self.assert_error(self.api("post", f"{self.url}/start", user=self.outsider), 404, "not_found")
        self.assert_error(self.api("post", f"{self.url}/start"), 401)
        response = self.api("post", f"{self.url}/start", user=self.room.secretary)
        self.assertEqual(response.json()["status"], "in_progress")
        self.assert_error(self.api("post", f"{self.url}/start", user=self.room.chair), 409)
        item = self.room.items[1]
        self.assert_error(self.api("post", f"{self.url}/current", {"item": item.pk}, user=self.room.member), 403)
        self.assert_error(self.api("post", f"{self.url}/current", {"item": 999999}, user=self.room.chair), 404)
        self.assert_error(self.api("post", f"{self.url}/current", {"item": "x"}, user=self.room.chair), 400)
        response = self.api("post", f"{self.url}/current", {"item": item.pk}, user=self.room.chair)
        self.assertEqual(response.json()["current_item"], item.pk)
        item.refresh_from_db()
        self.assertEqual(item.status, "current")
        self.assertIsNotNone(item.started_at)  # the item's timer: started_at + duration_minutes
        self.assertEqual(self.api("post", f"{self.url}/end", user=self.room.chair).json()["status"], "ended")
        item.refresh_from_db()
        self.assertEqual(item.status, "done")
        self.assertEqual(list(MeetingEvent.objects.filter(meeting=self.m).values_list("revision", flat=True)),
                         list(range(1, MeetingEvent.objects.filter(meeting=self.m).count() + 1)))
        self.assertTrue(AuditEvent.objects.filter(action="meeting.start").exists())

    def test_live_agenda_edits_and_conclusions(self):
        self.start()
        add = self.api("post", f"{self.url}/live/items", {"title": "Phát sinh", "duration_minutes": 5},
                       user=self.room.secretary)
        self.assertEqual(add.status_code, 200, add.content)
        new_id = add.json()["id"]
        self.assert_error(self.api("post", f"{self.url}/live/items", {"title": ""}, user=self.room.chair), 400)
        self.assert_error(self.api("post", f"{self.url}/live/items", {"title": "x"}, user=self.room.member), 403)
        self.assert_error(self.api("post", f"/api/v1/live/items/{new_id}", {"duration_minutes": -1},
                                   user=self.room.chair), 400)
        self.assertEqual(self.api("post", f"/api/v1/live/items/{new_id}", {"title": "Sửa"},
                                  user=self.room.chair).json()["title"], "Sửa")
        self.assert_error(self.api("post", f"/api/v1/live/items/{new_id}", {"title": "x"}, user=self.outsider), 404)
        order = [new_id] + [i.pk for i in self.room.items]
        self.assert_error(self.api("post", f"{self.url}/live/reorder", {"order": order[:2]}, user=self.room.chair), 400)
        self.assertEqual(self.api("post", f"{self.url}/live/reorder", {"order": order}, user=self.room.chair).status_code, 200)
        self.assertEqual(self.api("post", f"/api/v1/live/items/{new_id}/postpone", user=self.room.chair).json()["status"],
                         "postponed")
        concl = self.api("post", f"/api/v1/live/items/{order[1]}/conclusion", {"text": "Đồng ý chủ trương."},
                         user=self.room.chair)
        self.assertEqual(concl.json()["conclusion"], "Đồng ý chủ trương.")
        self.assert_error(self.api("post", f"{self.url}/conclusion", {"text": "x"}, user=self.room.member), 403)
        self.assertEqual(self.api("post", f"{self.url}/conclusion", {"text": "Kết luận"}, user=self.room.chair).status_code, 200)
        client = self.client_for(self.room.chair)
        ok = client.post(f"{self.url}/conclusion/attachments",
                         {"file": SimpleUploadedFile("kl.pdf", make_pdf(), "application/pdf"), "item": order[1]})
        self.assertEqual(ok.status_code, 200, ok.content)
        bad = client.post(f"{self.url}/conclusion/attachments",
                          {"file": SimpleUploadedFile("kl.pdf", b"not a pdf", "application/pdf")})
        self.assert_error(bad, 415, "unsupported_type")
        page = self.client_for(self.room.member).get(ok.json()["url"])
        self.assertEqual(page.status_code, 200)
        self.assertEqual(b"".join(page.streaming_content)[:5], b"%PDF-")
        self.assertEqual(self.client_for(self.outsider).get(ok.json()["url"]).status_code, 404)

    def test_checkin_self_secretary_and_qr(self):
        self.assert_error(self.api("post", f"{self.url}/checkin", user=self.room.member), 409, "not_in_progress")
        self.start()
        self.assertEqual(self.api("post", f"{self.url}/checkin", {"remote": True}, user=self.room.member).json()["remote"], True)
        self.assert_error(self.api("post", f"{self.url}/checkin", user=self.outsider), 404)
        self.assert_error(self.api("post", f"{self.url}/checkin"), 401)
        self.assert_error(self.api("post", f"{self.url}/checkin", {"token": "forged:abc"}, user=self.room.guest), 400,
                          "expired_code")
        token = do_issue_checkin_code(self.m, actor=self.room.secretary)
        qr = self.api("post", f"{self.url}/checkin", {"token": token}, user=self.room.guest).json()
        self.assertEqual(qr["method"], "qr")
        target = self.room.member_parts[1]
        self.assert_error(self.api("post", f"{self.url}/attendance", {"participant": target.pk},
                                   user=self.room.member), 403)
        self.assertEqual(self.api("post", f"{self.url}/attendance", {"participant": target.pk},
                                  user=self.room.secretary).status_code, 200)
        self.assertEqual(Attendance.objects.get(participant=target).method, "secretary")
        self.api("post", f"{self.url}/attendance", {"participant": target.pk, "present": False}, user=self.room.secretary)
        self.assertFalse(Attendance.objects.filter(participant=target).exists())

    def test_the_floor(self):
        self.start()
        ask = self.api("post", f"{self.url}/speakers", user=self.room.member)
        self.assertEqual(ask.json()["kind"], "speak")
        self.assert_error(self.api("post", f"{self.url}/speakers", user=self.room.member), 409, "already_waiting")
        question = self.api("post", f"{self.url}/speakers", {"kind": "question"}, user=self.room.member).json()
        self.assert_error(self.api("post", f"{self.url}/speakers", {"kind": "shout"}, user=self.room.member), 400)
        self.assert_error(self.api("post", f"{self.url}/speakers", user=self.outsider), 404)
        rid = ask.json()["id"]
        self.assert_error(self.api("post", f"/api/v1/speakers/{rid}/grant", user=self.room.member), 403)
        self.assert_error(self.api("post", f"/api/v1/speakers/{rid}/grant", user=self.outsider), 404)
        self.assert_error(self.api("post", f"/api/v1/speakers/{question['id']}/withdraw", user=self.room.members[1]), 403)
        granted = self.api("post", f"/api/v1/speakers/{rid}/grant", user=self.room.chair).json()
        self.assertEqual(granted["status"], "speaking")
        self.assertIsNotNone(granted["started_at"])
        # giving the floor to the next one finishes the current speaker
        self.api("post", f"/api/v1/speakers/{question['id']}/grant", user=self.room.chair)
        self.assertEqual(SpeakerRequest.objects.get(pk=rid).status, "done")
        self.assert_error(self.api("post", f"/api/v1/speakers/{rid}/finish", user=self.room.chair), 409)
        done = self.api("post", f"/api/v1/speakers/{question['id']}/finish", user=self.room.chair).json()
        self.assertEqual(done["status"], "done")

    def test_the_floor_refuses_outsiders_as_it_refuses_a_missing_request(self):
        # The views hand the ids to the actions, which check the caller under the meeting's lock:
        # an outsider, a stranger to the meeting's draft and anonymous learn nothing more than
        # that the request (or meeting) is not there, and nothing changes.
        self.start()
        rid = self.api("post", f"{self.url}/speakers", user=self.room.member).json()["id"]
        audits = AuditEvent.objects.exclude(action="auth.login").count()  # each client_for signs in
        for action in ("grant", "finish", "withdraw", "summary"):
            body = {"text": "Tóm tắt"} if action == "summary" else None
            missing = self.assert_error(self.api("post", f"/api/v1/speakers/999999/{action}", body,
                                                 user=self.outsider), 404, "not_found")
            refused = self.assert_error(self.api("post", f"/api/v1/speakers/{rid}/{action}", body,
                                                 user=self.outsider), 404, "not_found")
            self.assertEqual(refused["message"], missing["message"], action)
            self.assertEqual(self.api("post", f"/api/v1/speakers/{rid}/{action}", body).status_code, 401)
        for path in ("speakers", "checkin"):
            missing = self.assert_error(self.api("post", f"/api/v1/meetings/999999/{path}", user=self.outsider), 404)
            refused = self.assert_error(self.api("post", f"{self.url}/{path}", user=self.outsider), 404)
            self.assertEqual(refused["message"], missing["message"])
        self.assertFalse(Attendance.objects.filter(meeting=self.m).exists())
        self.assertEqual(SpeakerRequest.objects.get(pk=rid).status, "waiting")
        self.assertEqual(SpeakerRequest.objects.filter(meeting=self.m).count(), 1)
        self.assertEqual(AuditEvent.objects.exclude(action="auth.login").count(), audits)

    def test_raising_a_hand_and_checking_in_read_the_meeting_once(self):
        # The meeting is read once, locked, inside the action: every event the room waits for
        # passes through this request first (bench/fanout.py).
        self.start()
        client = self.client_for(self.room.member)

        def meeting_reads(method: str, path: str) -> tuple[int, int]:
            with CaptureQueriesContext(connection) as queries:
                response = getattr(client, method)(path, content_type="application/json")
            table = '"meetings_meeting"."title"'  # the whole row, not the revision read after the event
            return response.status_code, sum(table in q["sql"] for q in queries.captured_queries)

        status, reads = meeting_reads("post", f"{self.url}/speakers")
        self.assertEqual((status, reads), (200, 1))
        rid = SpeakerRequest.objects.get(meeting=self.m, participant__user=self.room.member).pk
        self.assertEqual(meeting_reads("post", f"/api/v1/speakers/{rid}/withdraw"), (200, 1))
        self.assertEqual(SpeakerRequest.objects.get(pk=rid).status, "withdrawn")
        self.assertEqual(meeting_reads("post", f"{self.url}/checkin"), (200, 1))
        self.assertTrue(Attendance.objects.filter(participant__user=self.room.member, meeting=self.m).exists())

    def test_grant_with_a_time_limit(self):
        self.start()
        rid = self.api("post", f"{self.url}/speakers", user=self.room.member).json()["id"]
        for bad in (0, 121, -3, True, "năm", 2.5):
            response = self.api("post", f"/api/v1/speakers/{rid}/grant", {"time_limit_minutes": bad}, user=self.room.chair)
            self.assertIn(response.status_code, (400, 422), (bad, response.content))
            self.assertIn("error", response.json())
        self.assertEqual(SpeakerRequest.objects.get(pk=rid).status, "waiting")  # nothing half-done
        self.assert_error(self.api("post", f"/api/v1/speakers/{rid}/grant", {"time_limit_minutes": 3},
                                   user=self.room.member), 403)
        granted = self.api("post", f"/api/v1/speakers/{rid}/grant", {"time_limit_minutes": 3}, user=self.room.chair).json()
        self.assertEqual((granted["status"], granted["time_limit_minutes"]), ("speaking", 3))
        speakers = self.api("get", f"{self.url}/room", user=self.room.members[1]).json()["state"]["speakers"]
        self.assertEqual([s["time_limit_minutes"] for s in speakers if s["id"] == rid], [3])
        # without a limit (no body, as before)
        other = self.api("post", f"{self.url}/speakers", user=self.room.members[1]).json()["id"]
        self.assertIsNone(self.api("post", f"/api/v1/speakers/{other}/grant", user=self.room.chair).json()["time_limit_minutes"])
        again = self.api("post", f"{self.url}/speakers", user=self.room.member).json()
        self.assertEqual(self.api("post", f"/api/v1/speakers/{again['id']}/withdraw", user=self.room.member).json()["status"],
                         "withdrawn")

    def test_votes_who_may_vote_and_results(self):
        self.start()
        self.api("post", f"{self.url}/current", {"item": self.room.items[0].pk}, user=self.room.chair)
        self.assert_error(self.api("post", f"{self.url}/polls", {"question": "Q"}, user=self.room.member), 403)
        self.assert_error(self.api("post", f"{self.url}/polls", {"question": ""}, user=self.room.chair), 400)
        self.assert_error(self.api("post", f"{self.url}/polls", {"question": "Q", "options": ["A"]}, user=self.room.chair), 400)
        created = self.api("post", f"{self.url}/polls", {"question": "Thông qua tờ trình?", "secret": False},
                           user=self.room.chair).json()
        self.assertEqual([o["key"] for o in created["options"]], ["agree", "disagree", "other"])
        self.assertEqual(created["item"], self.room.items[0].pk)
        pid = created["id"]
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.member), 409,
                          "poll_not_open")
        self.api("post", f"/api/v1/polls/{pid}/open", user=self.room.chair)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.member), 403,
                          "not_checked_in")
        for user in (self.room.member, self.room.members[1], self.room.guest, self.room.chair):
            self.api("post", f"{self.url}/checkin", user=user)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.guest), 403)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.outsider), 404)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "maybe"}, user=self.room.member), 400)
        self.assertEqual(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.member).status_code, 200)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "disagree"}, user=self.room.member), 409,
                          "already_voted")
        option_id = created["options"][0]["id"]
        self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": option_id}, user=self.room.chair)
        self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "disagree"}, user=self.room.members[1])
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/close", user=self.room.member), 403)
        closed = self.api("post", f"/api/v1/polls/{pid}/close", user=self.room.chair).json()
        self.assertEqual(closed["result"]["counts"], {"agree": 2, "disagree": 1, "other": 0})
        self.assertEqual(closed["result"]["eligible"], 3)  # chair + 2 members; guest and secretary have no vote
        self.assertTrue(closed["result"]["quorum"])
        self.assertTrue(closed["result"]["passed"])
        self.assertEqual([o["count"] for o in closed["options"]], [2, 1, 0])
        detail_polls = self.api("get", f"{self.url}/room", user=self.room.member).json()["state"]["polls"]
        self.assertEqual(detail_polls[0]["result"]["counts"]["agree"], 2)

    def test_delegate_votes_in_place_of_principal(self):
        self.start()
        principal = self.room.member_parts[0]
        principal.response = Participant.Response.DELEGATE
        principal.save()
        from tests.kit.users import make_user

        deputy = make_user("deputy")
        # ORM on purpose: a delegate joining a meeting already in progress (no action does that).
        Participant.objects.create(meeting=self.m, user=deputy, role="guest", delegate_for=principal)
        pid = self.api("post", f"{self.url}/polls", {"question": "Q", "secret": True}, user=self.room.chair).json()["id"]
        self.api("post", f"/api/v1/polls/{pid}/open", user=self.room.chair)
        self.api("post", f"{self.url}/checkin", user=deputy)
        self.assertEqual(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=deputy).status_code, 200)
        self.assertEqual(PollVoter.objects.get(poll_id=pid).seat_id, principal.pk)
        self.api("post", f"{self.url}/checkin", user=self.room.member)
        self.assert_error(self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.member), 403)

    def test_majority_of_members_present_and_quorum(self):
        self.start()
        for user in (self.room.member, self.room.members[1], self.room.chair):
            self.api("post", f"{self.url}/checkin", user=user)
        pid = self.api("post", f"{self.url}/polls", {"question": "Q", "majority": "present"},
                       user=self.room.chair).json()["id"]
        self.api("post", f"/api/v1/polls/{pid}/open", user=self.room.chair)
        self.api("post", f"/api/v1/polls/{pid}/ballot", {"choice": "agree"}, user=self.room.member)
        result = self.api("post", f"/api/v1/polls/{pid}/close", user=self.room.chair).json()["result"]
        # 1 of 1 cast, but 1 of 3 present: not passed under the "present" rule
        self.assertFalse(result["passed"])
        self.assertEqual(Poll.objects.get(pk=pid).result, result)
        self.assertEqual(PollVoter.objects.get(poll_id=pid).option.key, "agree")  # open poll: public choice
