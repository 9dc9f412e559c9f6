"""Every page, for every role, in Vietnamese: no English words left in what a person reads.

The walk takes every page pattern (Django's resolver, the API left out), fills its parameters with
real objects of a fixture meeting run through the actions (minutes, documents, a written-opinion
round, a signing request), requests it as anonymous, a guest, a member, the secretary, the chair
and the system administrator, and reads the visible text of every HTML answer (tags, scripts and
styles stripped; placeholders, titles, alt texts and button labels kept). The admin is walked too:
the index, and each registered model's list, add form and change form.

"English" is every word of an English msgid in our catalogs and in the Django/auth/admin/axes
catalogs, plus a few words kept below, minus the words Vietnamese text itself uses (acronyms and
loanwords such as PDF, PIN, email, online) and the fixture's own data (usernames)."""

from __future__ import annotations

import gettext
import re
import shutil
from html.parser import HTMLParser
from itertools import product
from pathlib import Path

import django
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from ecabinet.models import LoginRecord, User
from meetings.actions.opinions import do_answer, do_create_round
from meetings.actions.room import do_attach_conclusion_file
from meetings.models import Meeting, OpinionAnswer, Participant
from signing.actions.documents import do_sign_document, do_upload_for_signing
from signing.actions.images import do_set_seal_image, do_set_signature_image
from signing.actions.minutes import do_freeze_minutes, do_generate_minutes
from signing.actions.notices import (
    do_approve_notice,
    do_draft_notice,
    do_issue_notice,
    do_submit_notice,
)
from signing.actions.opinions import do_sign_answer
from signing.models import Invitation, SigningCertificate, TrustRoot, UnitCertificate
from tests.kit import factories
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.files import image_upload, make_pdf, png_bytes, seal_png
from tests.kit.meetings import run_meeting
from tests.kit.office import docx_bytes

ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
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
        cls.admin.full_name = "Trần Văn Viên"
        cls.admin.save()
        rec = run_meeting(cls)
        do_generate_minutes(rec.meeting, actor=cls.secretary)
        minutes = do_freeze_minutes(rec.meeting, actor=cls.secretary)
        do_sign_document(minutes.document, actor=cls.secretary, pin=PIN)
        do_generate_minutes(cls.meeting, actor=cls.secretary)
        attachment = do_attach_conclusion_file(rec.meeting, actor=cls.secretary,
                                               upload=ContentFile(make_pdf(1, "Phụ lục"), name="pl.pdf"),
                                               title="Phụ lục kết luận")
        rnd = do_create_round(
            actor=cls.secretary, title="Dự thảo Quyết định", question="Đồng chí có đồng ý không?",
            deadline=timezone.now() + timezone.timedelta(days=3), usernames=[cls.member.username],
            meeting=rec.meeting,
            upload=SimpleUploadedFile("du-thao.pdf", make_pdf(1, "Dự thảo"), content_type="application/pdf"),
        )
        do_answer(rnd, actor=cls.member, choice="other", comment="Cần bổ sung",
                  upload=SimpleUploadedFile("y-kien.pdf", make_pdf(1, "Ý kiến"), content_type="application/pdf"))
        do_sign_answer(rnd, actor=cls.member, pin=PIN)
        answer = OpinionAnswer.objects.get(round=rnd, user=cls.member)
        own = cls.make_own_document(cls.member)
        # an organisation certificate and seal (the units page) and a signature image (my certificate)
        give_unit_certificate(cls.committee, by=cls.admin)
        do_set_seal_image(cls.committee, actor=cls.admin, upload=image_upload(seal_png(), "con-dau.png"))
        do_set_signature_image(actor=cls.member, upload=image_upload(png_bytes()))
        participant = Participant.objects.filter(meeting=rec.meeting, user=cls.member).first()
        # the conclusion notice of the run meeting, issued (its page, the home page's lists)
        do_draft_notice(rec.meeting, actor=cls.secretary)
        notice = do_submit_notice(rec.meeting, actor=cls.secretary, version=1)
        do_approve_notice(rec.meeting, actor=cls.chair)
        do_issue_notice(rec.meeting, actor=cls.admin)
        do_draft_notice(cls.meeting, actor=cls.secretary)
        assert notice.pk
        # A failed and a locked-out sign-in, so the login log and axes lists have rows.
        Client().post(reverse("login"), {"username": "member", "password": "sai-mat-khau"})
        # A scheduled meeting whose invitation waits for the unit's seal (the meeting page lists it
        # with the notice and the button), and the sealed invitation of another one.
        # (the committee holds a certificate, the department none)
        waiting = factories.make_meeting(by=cls.secretary, title="Họp giao ban Sở Tài chính", unit=cls.department,
                                         chair=cls.chair, members=[cls.member], status=Meeting.Status.SCHEDULED)
        sealed = factories.make_meeting(by=cls.admin, title="Họp UBND tỉnh tháng 12", unit=cls.committee,
                                        chair=cls.chair, members=[cls.member], status=Meeting.Status.SCHEDULED)
        invitation_doc = Invitation.objects.get(meeting=sealed).document_id
        # A document converted from .docx (when LibreOffice is installed): its page offers the source.
        converted = [do_upload_for_signing(actor=cls.member, title="Công văn",
                                           upload=SimpleUploadedFile("cong-van.docx", docx_bytes())).pk
                     ] if shutil.which("soffice") else []
        cls.values = {
            "meeting_id": [rec.meeting.pk, cls.meeting.pk, waiting.pk],
            "document_id": [minutes.document_id, cls.minutes.pk, rnd.draft_id, own.pk, invitation_doc, *converted],
            "attachment_id": [attachment.pk], "round_id": [rnd.pk], "answer_id": [answer.pk],
            "request_id": [minutes.signing_request_id], "participant_id": [participant.pk],
            "item_id": [rec.item1.pk], "unit_id": [cls.committee.pk],
        }
        cls.roles = {"anonymous": None, "guest": cls.guest, "member": cls.member,
                     "secretary": cls.secretary, "chair": cls.chair, "admin": cls.admin}

    def page_urls(self) -> list[str]:
        def walk(patterns, prefix: str):
            for pattern in patterns:
                if isinstance(pattern, URLResolver):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
                else:
                    yield prefix + str(pattern.pattern)

        urls = []
        for route in dict.fromkeys(walk(get_resolver().url_patterns, "")):
            if route.startswith(("api", "^api", "admin/", "i18n/", "logout/")):
                continue
            names = ROUTE_PARAM.findall(route)
            if any(name not in self.values for name in names):
                continue  # POST-only endpoints (a verb, an action, a token to revoke)
            for combo in product(*(self.values[name] for name in names)):
                chosen = dict(zip(names, combo, strict=True))
                urls.append("/" + ROUTE_PARAM.sub(lambda m, chosen=chosen: str(chosen[m.group(1)]), route))
        return urls

    def admin_urls(self) -> list[str]:
        urls = [reverse("admin:index")]
        for model in admin.site._registry:
            info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            urls.append(reverse(f"{info}_changelist"))
            urls.append(reverse(f"{info}_add"))
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                urls.append(reverse(f"{info}_change", args=[first.pk]))
        return urls

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
        plan = [(url, role) for url in self.page_urls() for role in self.roles]
        plan += [(url, "admin") for url in self.admin_urls()]
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
