"""The menu at the top of every page is rendered once per person, language, counts and rights
(templates/base.html, `{% cache "menu" %}`) and kept between pages: nothing of one person's menu
shows in another's, a change of rights or of a count shows on the next page, and each session's
sign-out form carries its own CSRF token, never the one of the page that filled the cache."""

from __future__ import annotations

import re

from django.db import transaction
from django.test import Client

from ecabinet.actions import notify_users
from ecabinet.roles import UNIT_ADMIN, assign_roles
from tests.kit.cases import BaseTestCase


def menu(html: str) -> str:
    found = re.search(r'<nav class="mainnav">.*?</nav>', html, re.S)
    assert found, html[:500]
    return found.group(0)


def logout_token(html: str) -> str:
    found = re.search(r'data-logout><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, menu(html)
    return found.group(1)


class KeptMenuTests(BaseTestCase):
    def page(self, client: Client, path: str = "/help/") -> str:
        response = client.get(path)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_each_person_sees_their_own_name_and_links(self):
        owner_menu = menu(self.page(self.client_for(self.owner)))
        member_menu = menu(self.page(self.client_for(self.member)))
        self.assertIn(self.owner.full_name, owner_menu)
        self.assertNotIn(self.owner.full_name, member_menu)
        self.assertIn(self.member.full_name, member_menu)
        admin_menu = menu(self.page(self.client_for(self.admin)))
        self.assertIn('data-testid="integration-link"', admin_menu)
        self.assertNotIn('data-testid="integration-link"', member_menu)

    def test_each_session_signs_out_with_its_own_token(self):
        first, second = self.client_for(self.member), self.client_for(self.member)
        first_html, second_html = self.page(first), self.page(second)
        self.assertEqual(menu(first_html).replace(logout_token(first_html), "T"),
                         menu(second_html).replace(logout_token(second_html), "T"))  # the kept menu
        self.assertNotEqual(logout_token(first_html), logout_token(second_html))
        self.assertNotIn("csrf-slot", first_html + second_html)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(second.post("/logout/", {"csrfmiddlewaretoken": logout_token(second_html)},
                                         HTTP_HOST="testserver").status_code, 302)
        self.assertEqual(second.get("/help/").status_code, 302)  # signed out
        self.assertEqual(first.get("/help/").status_code, 200)

    def test_new_rights_and_counts_show_on_the_next_page(self):
        client = self.client_for(self.member)
        before = menu(self.page(client))
        self.assertNotIn('data-testid="login-log-link"', before)
        assign_roles(self.member, UNIT_ADMIN)
        self.member.refresh_from_db()
        client = self.client_for(self.member)
        self.assertIn('data-testid="login-log-link"', menu(self.page(client)))
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            notify_users([self.member], kind="meeting.invited", title="Giấy mời họp", email=False)
        self.assertRegex(menu(self.page(client)), r'data-testid="unread-count"[^>]*>1<')

    def test_the_help_link_follows_the_page(self):
        client = self.client_for(self.member)
        on_help = menu(self.page(client, "/help/"))
        on_meetings = menu(self.page(client, "/meetings/"))
        link = re.compile(r'href="([^"]+)" data-tour="help"')
        self.assertNotEqual(link.search(on_help).group(1), link.search(on_meetings).group(1))
