"""Every URL of the project that can return a PDF goes through meetings/delivery.py.

The walk takes every URL pattern (Django's resolver, recursively) and every operation of the
/api/v1/ description, fills each parameter with real objects of a fixture meeting (signed
minutes, a draft, documents, a conclusion attachment, a written-opinion round with a signed
answer), requests every GET as a participant and as the secretary, and for every PDF response
checks the headers only the delivery functions set and the audit row they write. Every pattern
must be listed below as returning PDFs or not: a new pattern fails until someone decides, and a
pattern listed as returning PDFs fails unless the walk really got a PDF from it."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import product

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from ecabinet.api import api
from ecabinet.models import AuditEvent
from meetings.actions.opinions import do_answer, do_create_round
from meetings.actions.room import do_attach_conclusion_file
from meetings.delivery import DELIVERY_HEADER
from meetings.models import OpinionAnswer, Participant
from signing.actions.documents import do_sign_document
from signing.actions.minutes import do_freeze_minutes, do_generate_minutes
from signing.actions.opinions import do_sign_answer
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.files import make_pdf
from tests.kit.meetings import run_meeting
from tests.kit.pages import make_help_world

# Django's admin serves no file: a FileField links to MEDIA_URL, and no URL pattern serves media
# (one that did would be an unknown pattern here).
ADMIN_PREFIX = "admin/"

PDF_PAGE_ROUTES = {
    "documents/<int:document_id>/view/",
    "documents/<int:document_id>/download/",
    "signing/documents/<int:document_id>/file",
    "signing/answers/<int:answer_id>/signed.pdf",
    "meetings/<int:meeting_id>/minutes/preview.pdf",
    "meetings/<int:meeting_id>/notice/preview.pdf",
    "meetings/<int:meeting_id>/notice/notice.pdf",
    "meetings/<int:meeting_id>/room/attendance.pdf",
    "meetings/<int:meeting_id>/votes/results.pdf",  # votes prepared and run: the results table
    "meetings/<int:meeting_id>/room/attachments/<int:attachment_id>/",
    "opinions/<int:round_id>/export.<slug:fmt>",
    "tasks/<int:task_id>/files/<int:task_attachment_id>/",  # follow-up: a progress report's attachment
    # help (issue 12): a PDF of the user guide, a PDF sent with feedback (ecabinet/help.py)
    "help/files/<int:file_id>/", "feedback/<int:feedback_id>/file/",
}

NON_PDF_PAGE_ROUTES = {
    "", "login/", "logout/", "account/password/", "account/tokens/", "account/tokens/<int:token_id>/revoke/",
    "notifications/", "i18n/setlang/", "api/v1/openapi.json", "api/v1/docs", "api/v1/", "^api/(?P<path>.*)$",
    "meetings/", "meetings/week/", "meetings/month/", "meetings/calendar/", "calendar/<str:token>.ics", "meetings/new/",
    "documents/<int:document_id>/source/",
    "meetings/<int:meeting_id>/", "meetings/<int:meeting_id>/edit/", "meetings/<int:meeting_id>/copy/",
    "meetings/<int:meeting_id>/schedule/", "meetings/<int:meeting_id>/cancel/", "meetings/<int:meeting_id>/answer/",
    "meetings/<int:meeting_id>/participants/add/", "meetings/<int:meeting_id>/participants/<int:participant_id>/",
    "meetings/<int:meeting_id>/participants/<int:participant_id>/remove/", "meetings/<int:meeting_id>/agenda/add/",
    "meetings/<int:meeting_id>/agenda/<int:item_id>/", "meetings/<int:meeting_id>/agenda/<int:item_id>/remove/",
    "meetings/<int:meeting_id>/agenda/<int:item_id>/move/", "meetings/<int:meeting_id>/documents/",
    "meetings/<int:meeting_id>/documents/folders/", "documents/<int:document_id>/",
    "documents/<int:document_id>/<slug:action>/", "notes/", "meetings/document-types/", "opinions/",
    "opinions/new/", "opinions/<int:round_id>/", "opinions/<int:round_id>/<slug:action>/",
    "meetings/<int:meeting_id>/room/", "meetings/<int:meeting_id>/room/qr.svg",
    "meetings/<int:meeting_id>/room/speakers/<int:request_id>/summary/",
    "meetings/<int:meeting_id>/room/checkin/", "meetings/<int:meeting_id>/room/attendance.csv",
    "signing/", "signing/upload/", "signing/documents/<int:document_id>/", "signing/documents/<int:document_id>/sign/",
    "signing/documents/<int:document_id>/request/", "signing/requests/<int:request_id>/",
    "signing/requests/<int:request_id>/<str:verb>/", "signing/certificate/", "signing/opinions/<int:round_id>/sign/",
    "signing/crl.der", "meetings/<int:meeting_id>/minutes/", "meetings/<int:meeting_id>/minutes/<str:verb>/",
    "verify/", "signing/certificate/signature.png", "signing/units/", "signing/units/<int:unit_id>/seal.png",
    "signing/units/<int:unit_id>/<str:verb>/", "meetings/<int:meeting_id>/notice/",
    "meetings/<int:meeting_id>/notice/<str:verb>/", "signing/invitations/<int:invitation_id>/issue/",
    "profile/notifications/",  # push: the notification settings page
    "profile/notifications/reminders/",  # meeting reminders (fn126): the person's choice, POST
    "meetings/<int:meeting_id>/absence/<int:participant_id>/",  # absence requests (fn113): the chair's decision
    # follow-up tasks
    "tasks/", "tasks/board/", "tasks/board.csv", "tasks/<int:task_id>/", "tasks/<int:task_id>/<slug:action>/",
    "meetings/<int:meeting_id>/tasks/",
    # the installable app (ecabinet/pwa.py)
    "manifest.webmanifest", "favicon.ico", "sw.js", "offline/",
    # hall screen (fn121): the big screen's page and QR code by its link, the links' page
    "hall/<str:token>/", "hall/<str:token>/qr.svg", "meetings/<int:meeting_id>/hall/",
    "meetings/<int:meeting_id>/hall/<int:display_id>/revoke/",
    # votes prepared and run: the vote list page, its forms, the results as CSV and JSON
    "meetings/<int:meeting_id>/votes/", "meetings/<int:meeting_id>/votes/add/",
    "meetings/<int:meeting_id>/votes/results.csv", "meetings/<int:meeting_id>/votes/<int:poll_id>/<str:verb>/",
    "meetings/<int:meeting_id>/votes/results.json",
    # help, feedback, the login log (issue 12)
    "help/", "help/new/", "help/topic/<slug:topic>/", "help/<int:page_id>/", "help/<int:page_id>/edit/",
    "help/<int:page_id>/delete/", "help/<int:page_id>/files/", "help/files/<int:file_id>/remove/",
    "feedback/", "feedback/all/", "feedback/<int:feedback_id>/", "feedback/<int:feedback_id>/handle/",
    "login-log/", "login-log/export.csv", "login-log/retention/", "login-log/purge/",
    # a meeting's dossier for the archive (fn107): a ZIP through meetings/delivery.py deliver_archive
    "meetings/<int:meeting_id>/dossier.zip",
}

PDF_API_OPERATIONS = {
    "GET /api/v1/documents/{document_id}/file",
    "GET /api/v1/opinions/{round_id}/report.pdf",
}

NON_PDF_API_OPERATIONS = {
    # push: the server's key, this browser subscribed or not
    "GET /api/v1/me/push-key", "POST /api/v1/me/push-subscriptions", "DELETE /api/v1/me/push-subscriptions",
    "GET /api/v1/me/offline-pack",  # lists the PDF URLs a device may keep; serves none
    "POST /api/v1/me/tour",  # help (issue 12): the first-time tour was seen
    "GET /api/v1/me/meeting-reminders", "PUT /api/v1/me/meeting-reminders",  # fn126: the person's choice
    "POST /api/v1/auth/token", "GET /api/v1/me", "GET /api/v1/meetings", "POST /api/v1/meetings",
    "GET /api/v1/meetings/{meeting_id}", "PATCH /api/v1/meetings/{meeting_id}",
    "GET /api/v1/meetings/{meeting_id}/people",  # the people lookup (issue 13)
    "GET /api/v1/people",  # the directory's people lookup for the meeting and task forms (issue 13)
    "GET /api/v1/signing/documents/{document_id}/people",  # a document's lookup of people to ask to sign
    "POST /api/v1/meetings/{meeting_id}/schedule", "POST /api/v1/meetings/{meeting_id}/cancel",
    "POST /api/v1/meetings/{meeting_id}/copy", "POST /api/v1/meetings/{meeting_id}/participants",
    "POST /api/v1/meetings/{meeting_id}/participants/unit",
    "PATCH /api/v1/meetings/{meeting_id}/participants/{participant_id}",
    "DELETE /api/v1/meetings/{meeting_id}/participants/{participant_id}", "POST /api/v1/meetings/{meeting_id}/answer",
    "POST /api/v1/meetings/{meeting_id}/agenda", "POST /api/v1/meetings/{meeting_id}/agenda/reorder",
    "PATCH /api/v1/meetings/{meeting_id}/agenda/{item_id}", "DELETE /api/v1/meetings/{meeting_id}/agenda/{item_id}",
    "GET /api/v1/meeting-types", "GET /api/v1/meeting-rooms", "GET /api/v1/issuing-bodies",
    "GET /api/v1/calendar/feed", "POST /api/v1/calendar/feed/regenerate",
    "GET /api/v1/meetings/{meeting_id}/documents", "POST /api/v1/meetings/{meeting_id}/documents",
    "GET /api/v1/documents/{document_id}/source",
    "POST /api/v1/speakers/{request_id}/summary", "GET /api/v1/meetings/{meeting_id}/notice",
    "POST /api/v1/meetings/{meeting_id}/notice", "PUT /api/v1/meetings/{meeting_id}/notice",
    "POST /api/v1/meetings/{meeting_id}/notice/submit", "POST /api/v1/meetings/{meeting_id}/notice/decision",
    "POST /api/v1/meetings/{meeting_id}/notice/issue",
    "GET /api/v1/documents/{document_id}", "PATCH /api/v1/documents/{document_id}",
    "DELETE /api/v1/documents/{document_id}", "GET /api/v1/documents/{document_id}/versions",
    "POST /api/v1/documents/{document_id}/versions", "POST /api/v1/documents/{document_id}/approve",
    "POST /api/v1/documents/{document_id}/return", "PUT /api/v1/documents/{document_id}/readers",
    "POST /api/v1/documents/{document_id}/withdraw", "GET /api/v1/meetings/{meeting_id}/document-folders",
    "POST /api/v1/meetings/{meeting_id}/document-folders", "GET /api/v1/document-types", "POST /api/v1/document-types",
    "GET /api/v1/notes", "POST /api/v1/notes", "PATCH /api/v1/notes/{note_id}", "DELETE /api/v1/notes/{note_id}",
    "GET /api/v1/opinions", "POST /api/v1/opinions", "GET /api/v1/opinions/{round_id}",
    "POST /api/v1/opinions/{round_id}/answer", "POST /api/v1/opinions/{round_id}/remind",
    "POST /api/v1/opinions/{round_id}/close", "GET /api/v1/opinions/{round_id}/export.csv",
    "GET /api/v1/meetings/{meeting_id}/room", "POST /api/v1/meetings/{meeting_id}/start",
    "POST /api/v1/meetings/{meeting_id}/end", "POST /api/v1/meetings/{meeting_id}/current",
    "POST /api/v1/meetings/{meeting_id}/live/items", "POST /api/v1/live/items/{item_id}",
    "POST /api/v1/live/items/{item_id}/postpone", "POST /api/v1/live/items/{item_id}/conclusion",
    "POST /api/v1/meetings/{meeting_id}/live/reorder", "POST /api/v1/meetings/{meeting_id}/conclusion",
    "POST /api/v1/meetings/{meeting_id}/quorum", "POST /api/v1/meetings/{meeting_id}/conclusion/attachments",
    "POST /api/v1/meetings/{meeting_id}/checkin", "POST /api/v1/meetings/{meeting_id}/attendance",
    "POST /api/v1/meetings/{meeting_id}/speakers", "POST /api/v1/speakers/{request_id}/grant",
    "POST /api/v1/speakers/{request_id}/finish", "POST /api/v1/speakers/{request_id}/withdraw",
    "POST /api/v1/meetings/{meeting_id}/polls", "POST /api/v1/polls/{poll_id}/open",
    "POST /api/v1/polls/{poll_id}/close", "POST /api/v1/polls/{poll_id}/ballot", "POST /api/v1/signing/requests",
    "GET /api/v1/signing/requests", "GET /api/v1/signing/requests/{request_id}",
    "POST /api/v1/signing/requests/{request_id}/decline", "POST /api/v1/signing/requests/{request_id}/cancel",
    "POST /api/v1/signing/requests/{request_id}/remind", "GET /api/v1/meetings/{meeting_id}/minutes",
    "POST /api/v1/meetings/{meeting_id}/minutes", "PUT /api/v1/meetings/{meeting_id}/minutes",
    "POST /api/v1/meetings/{meeting_id}/minutes/freeze", "POST /api/v1/meetings/{meeting_id}/minutes/reopen",
    "POST /api/v1/documents/{document_id}/signatures", "GET /api/v1/documents/{document_id}/signatures",
    "POST /api/v1/opinions/{round_id}/answer/sign", "POST /api/v1/signing/batch", "POST /api/v1/signing/documents",
    "GET /api/v1/signing/certificate", "POST /api/v1/signing/certificate", "POST /api/v1/signing/certificate/import",
    "POST /api/v1/signing/certificate/pkcs11", "POST /api/v1/signing/certificate/csc",
    "POST /api/v1/signing/certificates/{cert_id}/revoke", "POST /api/v1/signing/certificates/{cert_id}/unlock",
    "GET /api/v1/signing/trust-roots", "GET /api/v1/signing/services", "POST /api/v1/verify",
    # absence requests (fn113)
    "GET /api/v1/meetings/{meeting_id}/absence-requests",
    "POST /api/v1/meetings/{meeting_id}/participants/{participant_id}/absence",
    # follow-up tasks
    "GET /api/v1/tasks", "GET /api/v1/tasks/board", "GET /api/v1/tasks/board.csv", "GET /api/v1/tasks/{task_id}",
    "PATCH /api/v1/tasks/{task_id}", "POST /api/v1/meetings/{meeting_id}/tasks", "POST /api/v1/tasks/{task_id}/reports",
    "POST /api/v1/tasks/{task_id}/done", "POST /api/v1/tasks/{task_id}/cancel", "POST /api/v1/tasks/{task_id}/reopen",
    # hall screen (fn121)
    "GET /api/v1/meetings/{meeting_id}/hall-displays", "POST /api/v1/meetings/{meeting_id}/hall-displays",
    "POST /api/v1/hall-displays/{display_id}/revoke",
    # votes prepared and run, signed ballots
    "GET /api/v1/meetings/{meeting_id}/votes", "POST /api/v1/polls/{poll_id}/edit", "POST /api/v1/polls/{poll_id}/delete",
    "POST /api/v1/meetings/{meeting_id}/polls/reorder", "POST /api/v1/polls/{poll_id}/pause",
    "POST /api/v1/polls/{poll_id}/resume", "POST /api/v1/polls/{poll_id}/ready", "POST /api/v1/polls/{poll_id}/unready",
    "POST /api/v1/polls/{poll_id}/signed-ballot", "POST /api/v1/ballots/verify",
    "GET /api/v1/meetings/{meeting_id}/votes/export",
    "GET /api/v1/meetings/{meeting_id}/dossier",  # a meeting's dossier for the archive (a ZIP)
}

# --- statistics (issue 12 part 5): the reports' PDF goes through deliver_generated_pdf ---
_STATISTICS = ("members", "rounds", "types", "speaking", "paper", "tasks")
PDF_PAGE_ROUTES |= {f"statistics/{key}/export.<slug:fmt>" for key in _STATISTICS}
NON_PDF_PAGE_ROUTES |= {"statistics/", *(f"statistics/{key}/" for key in _STATISTICS if key != "members"),
                        *(f"statistics/{key}/chart.svg" for key in _STATISTICS)}
NON_PDF_API_OPERATIONS |= {f"GET /api/v1/statistics/{key}" for key in _STATISTICS}
# --- end statistics ---

# --- the province's platforms (issue 13 part 5): the OAuth2 token, the integration API (JSON
# metadata and SHA-256 only, never a file), the administrator's pages ---
NON_PDF_PAGE_ROUTES |= {
    "o/token/", "api/integration/v1/", "api/integration/v1/openapi.json", "api/integration/v1/docs",
    "api/integration/v1/units/<unit_id>/meetings", "api/integration/v1/people/<person_id>/meetings",
    "api/integration/v1/meetings/<meeting_id>", "api/integration/v1/meetings/<meeting_id>/documents",
    "integration/", "integration/clients/", "integration/clients/<int:client_id>/",
    "integration/clients/<int:client_id>/active/", "integration/clients/<int:client_id>/rotate/",
    "integration/webhooks/", "integration/webhooks/<int:endpoint_id>/",
    "integration/webhooks/<int:endpoint_id>/active/", "integration/webhooks/<int:endpoint_id>/rotate/",
    "integration/deliveries/<int:delivery_id>/replay/",
}
# --- end integration ---
# --- search (issue 13 part 2): results are links, never files ---
NON_PDF_PAGE_ROUTES |= {"search/"}
NON_PDF_API_OPERATIONS |= {"GET /api/v1/search"}
# --- end search ---

ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
API_PARAM = re.compile(r"\{(\w+)\}")
REGEX_ROUTES = {"^api/(?P<path>.*)$": ["/api/v2/documents/1/file"]}


def django_routes() -> list[str]:
    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns, "")))


def api_operations() -> dict[str, str]:
    """'METHOD /path' -> path, from the API's own description."""
    paths = api.get_openapi_schema()["paths"]
    return {f"{method.upper()} {path}": path for path, methods in paths.items() for method in methods}


class DeliveryUrlWalkTests(SigningTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        rec = run_meeting(cls)  # ended, with attendance, polls and conclusions
        do_generate_minutes(rec.meeting, actor=cls.secretary)
        minutes = do_freeze_minutes(rec.meeting, actor=cls.secretary)
        for signer in (cls.secretary, cls.chair):
            do_sign_document(minutes.document, actor=signer, pin=PIN)
        do_generate_minutes(cls.meeting, actor=cls.secretary)  # a draft: its preview is generated
        attachment = do_attach_conclusion_file(rec.meeting, actor=cls.secretary, upload=ContentFile(make_pdf(1, "Phụ lục"), name="pl.pdf"),
                                               title="Phụ lục kết luận")
        rnd = do_create_round(
            actor=cls.secretary, title="Dự thảo Quyết định", question="Đồng chí có đồng ý không?",
            deadline=timezone.now() + timedelta(days=3), usernames=[cls.member.username], meeting=rec.meeting,
            upload=SimpleUploadedFile("du-thao.pdf", make_pdf(1, "Dự thảo"), content_type="application/pdf"),
        )
        do_answer(rnd, actor=cls.member, choice="other", comment="Cần bổ sung",
                  upload=SimpleUploadedFile("y-kien.pdf", make_pdf(1, "Ý kiến"), content_type="application/pdf"))
        do_sign_answer(rnd, actor=cls.member, pin=PIN)
        answer = OpinionAnswer.objects.get(round=rnd, user=cls.member)
        # The conclusion notice: issued (sealed) for the run meeting, a draft for the other one.
        from signing.actions.notices import (
            do_approve_notice,
            do_draft_notice,
            do_issue_notice,
            do_submit_notice,
        )
        from signing.notices import issuing_unit
        from tests.kit.factories import give_unit_certificate

        give_unit_certificate(issuing_unit(rec.meeting), by=cls.admin)
        notice, _ = do_draft_notice(rec.meeting, actor=cls.secretary)
        do_submit_notice(rec.meeting, actor=cls.secretary, version=notice.version)
        do_approve_notice(rec.meeting, actor=cls.chair)
        do_issue_notice(rec.meeting, actor=cls.admin)
        do_draft_notice(cls.meeting, actor=cls.secretary)
        own = cls.make_own_document(cls.member)
        participant = Participant.objects.filter(meeting=rec.meeting, user=cls.member).first()
        # follow-up: a task to the member with a report and its attachment
        from meetings.actions.followup import do_create_task, do_report_task

        task = do_create_task(rec.meeting, rec.item1, actor=cls.secretary, title="Hoàn thiện phương án",
                              assignee=cls.member, deadline=timezone.localdate() + timedelta(days=10))
        report = do_report_task(task, actor=cls.member, comment="Đã làm một nửa", progress=50, uploads=[
            SimpleUploadedFile("bao-cao.pdf", make_pdf(1, "Báo cáo"), content_type="application/pdf")])
        help_world = make_help_world(cls)
        cls.values = {
            "task_id": [task.pk], "task_attachment_id": [report.attachments.get().pk],
            "meeting_id": [rec.meeting.pk, cls.meeting.pk],
            "document_id": [minutes.document_id, cls.minutes.pk, rnd.draft_id, answer.attachment_id,
                            answer.signed_document_id, own.pk],
            "attachment_id": [attachment.pk], "round_id": [rnd.pk], "answer_id": [answer.pk],
            "request_id": [minutes.signing_request_id], "participant_id": [participant.pk],
            "item_id": [rec.item1.pk], "poll_id": [rec.open_poll.pk], "token_id": [1], "note_id": [1],
            "cert_id": [1], "token": ["x"], "unit_id": [cls.committee.pk], "invitation_id": [1], "fmt": ["csv", "pdf"], "action": ["approve"], "verb": ["sign"],
            "display_id": [1],  # hall screen
            "person_id": [cls.member.pk], "client_id": [1], "endpoint_id": [1], "delivery_id": [1],  # integration
            **help_world,
        }

    def urls_for(self, template: str, param: re.Pattern, missing: list[str]) -> list[str]:
        names = param.findall(template)
        unknown = [n for n in names if n not in self.values]
        if unknown:
            missing.append(f"{template}: no fixture value for {unknown}")
            return []
        urls = []
        for combo in product(*(self.values[n] for n in names)):
            chosen = dict(zip(names, combo, strict=True))
            urls.append(param.sub(lambda match, chosen=chosen: str(chosen[match.group(1)]), template))
        return urls

    def fetch_as_everyone(self, key: str, url: str, seen: dict[str, list[str]], problems: list[str]) -> None:
        for user in (self.member, self.secretary):
            client = Client()
            client.force_login(user)
            last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("application/pdf"):
                continue
            mode = response.get(DELIVERY_HEADER)
            seen.setdefault(key, []).append(f"{user.username}:{mode}")
            if mode not in ("original", "watermarked", "generated"):
                problems.append(f"{url} as {user.username}: a PDF not sent by meetings/delivery.py")
                continue
            if response["Cache-Control"] != "no-store, private" or response["X-Content-Type-Options"] != "nosniff":
                problems.append(f"{url} as {user.username}: caching or sniffing headers missing")
            rows = AuditEvent.objects.filter(seq__gt=last_seq, actor=user)
            if not any(row.details.get("delivery") == mode and row.details.get("path") == url.split("?")[0]
                       for row in rows):
                problems.append(f"{url} as {user.username}: no audit row for the {mode} PDF")

    def test_every_url_that_returns_a_pdf_goes_through_the_delivery_module(self) -> None:
        missing: list[str] = []
        problems: list[str] = []
        seen: dict[str, list[str]] = {}

        routes = django_routes()
        operations = api_operations()
        api_routes = set(operations.values())
        for route in routes:
            if route.startswith(ADMIN_PREFIX):
                continue
            if "/" + ROUTE_PARAM.sub(r"{\1}", route) in api_routes:
                continue  # an API operation: walked below with its methods
            if route not in PDF_PAGE_ROUTES and route not in NON_PDF_PAGE_ROUTES:
                missing.append(f"page {route!r} is not listed: does it return a PDF?")
                continue
            urls = REGEX_ROUTES.get(route) or self.urls_for("/" + route, ROUTE_PARAM, missing)
            for url in urls:
                self.fetch_as_everyone(route, url, seen, problems)
        for key, path in operations.items():
            if key not in PDF_API_OPERATIONS and key not in NON_PDF_API_OPERATIONS:
                missing.append(f"API operation {key!r} is not listed: does it return a PDF?")
                continue
            if not key.startswith("GET "):
                continue
            for url in self.urls_for(path, API_PARAM, missing):
                self.fetch_as_everyone(key, url, seen, problems)

        self.assertEqual(missing, [])
        self.assertEqual(problems, [])
        # No pattern listed as PDF-free returned one, and every PDF pattern was really reached.
        self.assertEqual(set(seen), PDF_PAGE_ROUTES | PDF_API_OPERATIONS, seen)
        # Both decisions were exercised: the member got stamped copies, the secretary originals.
        modes = {entry for entries in seen.values() for entry in entries}
        self.assertIn("member:watermarked", modes)
        self.assertIn("secretary:original", modes)
        self.assertIn("secretary:generated", modes)
        # Stale or forgotten entries in the lists fail too.
        self.assertEqual({r for r in PDF_PAGE_ROUTES | NON_PDF_PAGE_ROUTES if r not in routes}, set())
        self.assertEqual({k for k in PDF_API_OPERATIONS | NON_PDF_API_OPERATIONS if k not in operations}, set())
