"""The meeting-reminder choice (fn126, ecabinet/actions_reminders.py): on the notification
settings page and through the API, each person sets only their own; audited; bad input refused
in Vietnamese with nothing written; anonymous refused."""

from __future__ import annotations

from ecabinet.models import AuditEvent, User
from tests.kit.cases import BaseTestCase

PAGE = "/profile/notifications/"
SAVE = "/profile/notifications/reminders/"
API = "/api/v1/me/meeting-reminders"


def choice_of(user: User) -> str:
    return User.objects.get(pk=user.pk).meeting_reminders


class PreferencePageTests(BaseTestCase):
    def test_the_page_shows_the_choice_and_the_person_saves_theirs(self):
        page = self.client_for(self.member)
        response = page.get(PAGE)
        self.assertContains(response, "Nhắc lịch họp")
        self.assertContains(response, 'value="both" checked')
        self.assertContains(response, "Trước một ngày và trước 30 phút")
        response = page.post(SAVE, {"meeting_reminders": "half_hour"})
        self.assertRedirects(response, PAGE)
        self.assertEqual(choice_of(self.member), "half_hour")
        self.assertContains(page.get(PAGE), 'value="half_hour" checked')
        event = AuditEvent.objects.get(action="reminders.meeting_preference")
        self.assertEqual(event.actor_id, self.member.pk)
        self.assertEqual(event.details, {"from": "both", "to": "half_hour"})
        # nobody else's choice changed
        for other in (self.owner, self.outsider, self.admin):
            self.assertEqual(choice_of(other), "both")
        # the same choice again writes nothing
        page.post(SAVE, {"meeting_reminders": "half_hour"})
        self.assertEqual(AuditEvent.objects.filter(action="reminders.meeting_preference").count(), 1)

    def test_a_bad_choice_is_refused_in_vietnamese_and_nothing_is_written(self):
        page = self.client_for(self.member)
        for bad in ("always", "", "both\u200b"):
            # a refused change goes back to the page with the reason (ecabinet/refusals.py)
            response = page.post(SAVE, {"meeting_reminders": bad, "next": PAGE}, follow=True)
            self.assertEqual(response.redirect_chain[-1][0], PAGE)
            self.assertContains(response, "Lựa chọn nhắc lịch không hợp lệ")
        self.assertEqual(choice_of(self.member), "both")
        self.assertFalse(AuditEvent.objects.filter(action="reminders.meeting_preference").exists())

    def test_anonymous_is_sent_to_sign_in_and_get_is_not_a_change(self):
        response = self.client.post(SAVE, {"meeting_reminders": "off"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
        self.assertEqual(self.client_for(self.member).get(SAVE).status_code, 405)
        self.assertEqual(set(User.objects.values_list("meeting_reminders", flat=True)), {"both"})


class PreferenceApiTests(BaseTestCase):
    def test_the_person_reads_and_sets_their_own(self):
        response = self.api("get", API, user=self.member)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"choice": "both", "choices": ["both", "day", "half_hour", "off"]})
        response = self.api("put", API, {"choice": "off"}, user=self.member)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["choice"], "off")
        self.assertEqual(choice_of(self.member), "off")
        self.assertEqual(self.api("get", API, user=self.owner).json()["choice"], "both")
        self.assertTrue(AuditEvent.objects.filter(action="reminders.meeting_preference", actor=self.member).exists())

    def test_nobody_sets_anyone_elses(self):
        # there is no person in the address or the body: an extra field naming one is refused
        self.assert_error(self.api("put", API, {"choice": "off", "user": self.member.pk}, user=self.admin),
                          400, "bad_request")
        self.assertEqual(self.api("put", f"{API}/{self.member.pk}", {"choice": "off"}, user=self.admin).status_code,
                         404)
        self.assertEqual(choice_of(self.member), "both")
        # what the administrator sets is their own
        self.api("put", API, {"choice": "day"}, user=self.admin)
        self.assertEqual(choice_of(self.admin), "day")
        self.assertEqual(choice_of(self.member), "both")

    def test_bad_input_and_anonymous(self):
        for body in ({"choice": "always"}, {"choice": 3}, {}, {"choice": None}):
            error = self.assert_error(self.api("put", API, body, user=self.member), 400, "bad_request")
            self.assertEqual(error["message"], "Yêu cầu không hợp lệ.")
        self.assert_error(self.api("get", API), 401, "unauthorized")
        self.assert_error(self.api("put", API, {"choice": "off"}), 401, "unauthorized")
        self.assertEqual(set(User.objects.values_list("meeting_reminders", flat=True)), {"both"})
