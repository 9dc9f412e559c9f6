"""Every page, for every role, in Vietnamese: no English words left in what a person reads.

The walk takes every page pattern (Django's resolver, the API left out), fills its parameters with
real objects of a fixture meeting run through the actions (minutes, documents, a written-opinion
round, a signing request: the page world of tests/kit/pages.py, which the phone walk shares), requests it as anonymous, a guest, a member, the secretary, the chair
and the system administrator, and reads the visible text of every HTML answer (tags, scripts and
styles stripped; placeholders, titles, alt texts and button labels kept). The admin is walked too:
the index, and each registered model's list, add form and change form.

"English" is every word of an English msgid in our catalogs and in the Django/auth/admin/axes
catalogs, plus a few words kept below, minus the words Vietnamese text itself uses (acronyms and
loanwords such as PDF, PIN, email, online) and the fixture's own data (usernames)."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import django
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.test import Client

from ecabinet.models import LoginRecord, User
from signing.models import SigningCertificate, TrustRoot, UnitCertificate
from tests.kit.cases import SigningTestCase
from tests.kit.pages import build_page_world

# Words seen in the admin and in raw codes that no msgid of ours carries.
EXTRA_ENGLISH = {
    "axes", "access", "attempt", "attempts", "wrong", "count", "failure", "failures", "welcome", "view",
    "site", "change", "changes", "history", "filter", "filters", "yes", "unknown", "action", "actions",
    "invalid", "credentials", "locked", "success", "failed", "select", "selected", "search", "home",
    "documentation", "password", "username", "group", "groups", "permissions", "permission", "log", "out",
    "add", "delete", "save", "continue", "editing", "object", "objects", "recent", "none", "available",
    "all", "today", "past", "days", "this", "month", "year", "any", "date", "time", "now", "show", "hide",
    "the", "and", "for", "with", "from", "you", "your", "not", "are", "has", "have", "was", "were", "there",
    "true", "false",
}
# Acronyms, names and loanwords Vietnamese text uses as they are.
ALLOWED = {
    "pdf", "api", "url", "id", "email", "ecabinet", "pin", "ip", "csv", "ical", "ics", "qr", "sha", "ubnd",
    "pades", "pkcs", "csc", "hsm", "crl", "token", "online", "http", "https", "www", "svg", "docx", "xlsx",
    "json", "utc", "ok", "ltv", "ocsp", "tsa", "rsa", "ecdsa", "der", "pem", "gov", "vn", "zip", "cms",
    "english",  # the language switcher names each language in itself
    "control", "command", "mac",  # key names inside Django's own Vietnamese help text
}
# Identifiers, not prose: dotted codes (audit actions "minutes.freeze", notification kinds,
# object types "meetings.meeting"), PEM blocks of certificates, addresses and paths.
IDENTIFIERS = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b|-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----"
                         r"|https?://\S+|(?<![\w/])/[\w.-]+/[\w./?=&-]*", re.S)
# Whole words only: letters inside a hex serial or hash ("3a4dec9f") are not words.
WORD = re.compile(r"(?<!\w)[A-Za-zÀ-ỹĐđ]+(?:_[A-Za-z]+)*(?!\w)")
RAW_CODE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
# <code> holds identifiers (audit action codes, fingerprints), shown as such, not prose.
SKIPPED_TAGS = {"script", "style", "template", "noscript", "code"}
# Django's admin yes/no icons carry alt="True"/"False"/"None" in English, hard-coded in
# django.contrib.admin (not translatable); the icon itself is what people read.
ADMIN_BOOLEAN_ICON = re.compile(r"/admin/img/icon-(?:yes|no|unknown)\.svg$")
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        values = dict(attrs)
        if tag == "img" and ADMIN_BOOLEAN_ICON.search(values.get("src") or ""):
            return
        self.parts += [value for name, value in attrs if name in VISIBLE_ATTRIBUTES and value]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_words(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return WORD.findall(IDENTIFIERS.sub(" ", " ".join(parser.parts)))


def catalog_words() -> tuple[set[str], set[str]]:
    """(words of English msgids, words of Vietnamese msgstrs) over our and Django's catalogs."""
    english: set[str] = set()
    vietnamese: set[str] = set()

    def words(text: str) -> set[str]:
        text = re.sub(r"%\(\w+\)[sd]|\{\{?[^}]*\}?\}|<[^>]*>", " ", text)
        return {w.lower() for w in WORD.findall(text)}

    for app in ("ecabinet", "meetings", "signing"):
        with open(Path(settings.BASE_DIR) / app / "locale" / "vi" / "LC_MESSAGES" / "django.po", "rb") as po:
            for message in read_po(po):
                ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
                strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
                for text in ids:
                    english |= words(text)
                for text in strings:
                    vietnamese |= words(text)
    roots = [Path(django.__file__).parent / "conf" / "locale"]
    roots += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    for root in roots:
        mo = root / "vi" / "LC_MESSAGES" / "django.mo"
        if mo.exists() and "site-packages" in str(mo):
            with open(mo, "rb") as handle:
                for key in gettext.GNUTranslations(handle)._catalog:
                    msgid = key[0] if isinstance(key, tuple) else key  # (msgid, n) for plurals
                    english |= words(msgid.split("\x04")[-1])  # "context\x04msgid"
    return english, vietnamese


class PagesInVietnameseTests(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.world = build_page_world(cls)
        cls.roles = cls.world.roles

    def english_left(self, html: str, data_words: set[str]) -> set[str]:
        left = set()
        for word in visible_words(html):
            lower = word.lower()
            if RAW_CODE.match(word):
                left.add(word)
            elif len(word) >= 3 and lower in self.english and lower not in data_words:
                left.add(word)
        return left

    def test_every_page_for_every_role_is_in_vietnamese(self) -> None:
        english, vietnamese = catalog_words()
        self.english = (english | EXTRA_ENGLISH) - vietnamese - ALLOWED
        self.assertIn("minutes", self.english)
        self.assertNotIn("phút", self.english)
        # The fixture's own data: usernames, certificate names (the installation CA's subject),
        # and the "<unknown>" axes stores for a request without a browser header (test client).
        data = [*User.objects.values_list("username", flat=True), *TrustRoot.objects.values_list("name", flat=True),
                *SigningCertificate.objects.values_list("subject", flat=True),
                *UnitCertificate.objects.values_list("subject", flat=True), "<unknown>"]
        data_words = {w.lower() for text in data for w in WORD.findall(text)}
        self.assertTrue(LoginRecord.objects.filter(success=False).exists())

        found: dict[str, set[str]] = {}
        rendered = 0
        plan = [(url, role) for url in self.world.page_urls() for role in self.roles]
        plan += [(url, "admin") for url in self.world.admin_urls()]
        for url, role in plan:
            client = Client(headers={"accept-language": "vi"}, raise_request_exception=False)
            if self.roles[role] is not None:
                client.force_login(self.roles[role])
            response = client.get(url)
            if response.status_code >= 500:
                found.setdefault("<server error>", set()).add(f"{url} ({role})")
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            rendered += 1
            for word in self.english_left(response.content.decode(), data_words):
                found.setdefault(word, set()).add(f"{url} ({role})")
        self.assertGreater(rendered, 100)
        report = "\n".join(f"{word}: {sorted(where)[:3]}" for word, where in sorted(found.items()))
        self.assertEqual(found, {}, f"{len(found)} English words left:\n{report}")
