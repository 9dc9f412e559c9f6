"""The unread count of the menu's badge is kept between pages (ecabinet/menu_counts.py) and
forgotten whenever it moves: a notification comes (notify_users), or the person reads them all."""

from __future__ import annotations

import re

from django.db import transaction

from ecabinet.actions import notify_users
from tests.kit.cases import BaseTestCase


class UnreadCountTests(BaseTestCase):
    def badge(self, client) -> int:
        html = client.get("/help/").content.decode()
        found = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
        assert found, html[:500]
        return int(found.group(1))

    def tell_member(self, title: str) -> None:
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="meeting.invited", title=title, email=False)

    def test_the_badge_follows_every_change_while_kept_between_pages(self):
        client = self.client_for(self.member)
        self.assertEqual(self.badge(client), 0)
        self.tell_member("Giấy mời họp thứ nhất")
        self.assertEqual(self.badge(client), 1)
        self.tell_member("Giấy mời họp thứ hai")
        self.assertEqual(self.badge(client), 2)
        self.assertEqual(self.api("get", "/api/v1/me", user=self.member).json()["unread_notifications"], 2)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(client.post("/notifications/").status_code, 302)
        self.assertEqual(self.badge(client), 0)
        self.assertEqual(self.api("get", "/api/v1/me", user=self.member).json()["unread_notifications"], 0)

    def test_another_persons_notification_leaves_the_count_alone(self):
        owner = self.client_for(self.owner)
        self.assertEqual(self.badge(owner), 0)
        self.tell_member("Giấy mời chỉ cho đại biểu")
        self.assertEqual(self.badge(owner), 0)
        self.assertEqual(self.badge(self.client_for(self.member)), 1)
