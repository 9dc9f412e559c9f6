"""The page world: every page of the app, for every role, with real objects behind it.

One fixture world for the page walks (tests/ecabinet/test_pages_vietnamese.py reads every page's
text, tests/ecabinet/test_phone_layout.py measures every page in a phone-sized browser): an
ended meeting run through the actions (minutes frozen and signed, a conclusion attachment, a
written-opinion round answered and signed, the conclusion notice issued), the class meeting of
SigningTestCase with its minutes drafted, a scheduled meeting waiting for its unit's seal and the
sealed invitation of another, an own document, a unit certificate and seal, a signature image,
a failed sign-in. `page_urls()` fills every page pattern (Django's resolver, the API left out)
with those objects; `admin_urls()` lists the admin's index and each registered model's list, add
form and change form.

In a TestCase: call `build_page_world(cls)` in setUpTestData after SigningTestCase's own.
Against a real server (a browser test with committed data): `committed_page_world()`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from ecabinet.models import User
from meetings.actions.followup import do_create_task, do_report_task
from meetings.actions.opinions import do_answer, do_create_round
from meetings.actions.room import do_attach_conclusion_file
from meetings.models import Meeting, MeetingRoom, MeetingType, OpinionAnswer, Participant
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
from signing.models import Invitation
from tests.kit import factories
from tests.kit.cases import PIN, SigningTestCase
from tests.kit.factories import give_unit_certificate
from tests.kit.files import image_upload, make_pdf, png_bytes, seal_png
from tests.kit.meetings import run_meeting
from tests.kit.office import docx_bytes
from tests.kit.users import make_user

ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
ROLES = ("anonymous", "guest", "member", "secretary", "chair", "admin")
# Not pages: the API, the admin (admin_urls), the language switch and sign-out (POST only), the
# OAuth2 token endpoint (POST only, for client systems).
SKIPPED_PREFIXES = ("api", "^api", "admin/", "i18n/", "logout/", "o/")  # o/: the OAuth2 token endpoint


@dataclass
class PageWorld:
    values: dict[str, list[int]]
    roles: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)

    def page_urls(self) -> list[str]:
        """Every page pattern with each combination of the world's objects for its parameters."""

        def walk(patterns, prefix: str):
            for pattern in patterns:
                if isinstance(pattern, URLResolver):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
                else:
                    yield prefix + str(pattern.pattern)

        urls = []
        for route in dict.fromkeys(walk(get_resolver().url_patterns, "")):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            names = ROUTE_PARAM.findall(route)
            if any(name not in self.values for name in names):
                continue  # POST-only endpoints (a verb, an action, a token to revoke)
            for combo in product(*(self.values[name] for name in names)):
                chosen = dict(zip(names, combo, strict=True))
                urls.append("/" + ROUTE_PARAM.sub(lambda m, chosen=chosen: str(chosen[m.group(1)]), route))
        return urls

    @staticmethod
    def admin_urls() -> list[str]:
        urls = [reverse("admin:index")]
        for model in admin.site._registry:
            info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            urls.append(reverse(f"{info}_changelist"))
            urls.append(reverse(f"{info}_add"))
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                urls.append(reverse(f"{info}_change", args=[first.pk]))
        return urls


def build_page_world(case: Any) -> PageWorld:
    """`case`: a SigningTestCase class whose setUpTestData has run (its people with certificates,
    its ended meeting with a minutes document)."""
    case.admin.full_name = "Trần Văn Viên"
    case.admin.save()
    rec = run_meeting(case)
    do_generate_minutes(rec.meeting, actor=case.secretary)
    minutes = do_freeze_minutes(rec.meeting, actor=case.secretary)
    do_sign_document(minutes.document, actor=case.secretary, pin=PIN)
    do_generate_minutes(case.meeting, actor=case.secretary)
    attachment = do_attach_conclusion_file(rec.meeting, actor=case.secretary,
                                           upload=ContentFile(make_pdf(1, "Phụ lục"), name="pl.pdf"),
                                           title="Phụ lục kết luận")
    rnd = do_create_round(
        actor=case.secretary, title="Dự thảo Quyết định", question="Đồng chí có đồng ý không?",
        deadline=timezone.now() + timezone.timedelta(days=3), usernames=[case.member.username],
        meeting=rec.meeting,
        upload=SimpleUploadedFile("du-thao.pdf", make_pdf(1, "Dự thảo"), content_type="application/pdf"),
    )
    do_answer(rnd, actor=case.member, choice="other", comment="Cần bổ sung",
              upload=SimpleUploadedFile("y-kien.pdf", make_pdf(1, "Ý kiến"), content_type="application/pdf"))
    do_sign_answer(rnd, actor=case.member, pin=PIN)
    answer = OpinionAnswer.objects.get(round=rnd, user=case.member)
    own = case.make_own_document(case.member)
    # an organisation certificate and seal (the units page) and a signature image (my certificate)
    give_unit_certificate(case.committee, by=case.admin)
    do_set_seal_image(case.committee, actor=case.admin, upload=image_upload(seal_png(), "con-dau.png"))
    do_set_signature_image(actor=case.member, upload=image_upload(png_bytes()))
    participant = Participant.objects.filter(meeting=rec.meeting, user=case.member).first()
    assert participant is not None
    # the conclusion notice of the run meeting, issued (its page, the home page's lists)
    do_draft_notice(rec.meeting, actor=case.secretary)
    notice = do_submit_notice(rec.meeting, actor=case.secretary, version=1)
    do_approve_notice(rec.meeting, actor=case.chair)
    do_issue_notice(rec.meeting, actor=case.admin)
    do_draft_notice(case.meeting, actor=case.secretary)
    assert notice.pk
    # A failed sign-in, so the login log and axes lists have rows.
    Client().post(reverse("login"), {"username": "member", "password": "sai-mat-khau"})
    # A scheduled meeting whose invitation waits for the unit's seal (the meeting page lists it
    # with the notice and the button), and the sealed invitation of another one.
    # (the committee holds a certificate, the department none)
    # --- absence requests (fn113) and the live seat map (fn117): the waiting meeting is held in a
    # room with a seat map, under a type whose absences need the chair's approval; a member has
    # a seat and asks to be excused (the chair's and the secretary's pages list the request).
    hall = MeetingRoom.objects.create(name="Phòng họp tầng 2", seat_rows=3, seats_per_row=8)
    kind = MeetingType.objects.create(name="Họp giao ban", absence_needs_approval=True)
    waiting = factories.make_meeting(by=case.secretary, title="Họp giao ban Sở Tài chính", unit=case.department,
                                     chair=case.chair, members=[case.member], status=Meeting.Status.SCHEDULED,
                                     room=hall, meeting_type=kind)
    asker = make_user("asker", unit=case.department, full_name="Vũ Thị Xin Vắng")
    factories.add_participant(waiting, asker, by=case.secretary, seat="A3")
    factories.answer_invitation(waiting, by=asker, response="decline", reason="Đi công tác tại huyện")
    # --- end absence requests and seat map
    sealed = factories.make_meeting(by=case.admin, title="Họp UBND tỉnh tháng 12", unit=case.committee,
                                    chair=case.chair, members=[case.member], status=Meeting.Status.SCHEDULED)
    invitation_doc = Invitation.objects.get(meeting=sealed).document_id
    # --- votes prepared and run: a prepared vote list on the waiting meeting (its page shows the
    # edit forms), one of the council form and one with custom options and signed ballots ---
    factories.make_poll(waiting, by=case.secretary, question="Thông qua kế hoạch công tác năm 2027",
                        ballot_set="council")
    factories.make_poll(waiting, by=case.secretary, question="Chọn phương án bố trí vốn",
                        options=["Phương án 1: bố trí đủ vốn", "Phương án 2: bố trí theo tiến độ"], signed=True)
    # --- end votes ---
    # A document converted from .docx (when LibreOffice is installed): its page offers the source.
    converted = [do_upload_for_signing(actor=case.member, title="Công văn",
                                       upload=SimpleUploadedFile("cong-van.docx", docx_bytes())).pk
                 ] if shutil.which("soffice") else []
    # --- follow-up tasks --- a task of the run meeting's item 1, to the member and Sở Y tế, with a
    # progress report and its attachment
    task = do_create_task(rec.meeting, rec.item1, actor=case.secretary, title="Hoàn thiện phương án phân bổ vốn",
                          description="Theo kết luận mục 1", unit=case.other_unit, assignee=case.member,
                          deadline=timezone.localdate() + timezone.timedelta(days=10))
    task_report = do_report_task(task, actor=case.member, comment="Đã rà soát 12/20 dự án", progress=60, uploads=[
        SimpleUploadedFile("bao-cao.pdf", make_pdf(1, "Báo cáo tiến độ"), content_type="application/pdf")])
    # --- hall screen --- the big screen's page by its link: a scheduled meeting waiting to start
    # and one in progress (the check-in QR code, the floor)
    hall_running = factories.make_meeting(by=case.secretary, title="Họp trực tiếp tại hội trường", unit=case.department,
                                          chair=case.chair, members=[case.member], items=["Báo cáo tình hình"],
                                          status=Meeting.Status.IN_PROGRESS)
    hall_tokens = [factories.make_hall_display(waiting, by=case.secretary)[1],
                   factories.make_hall_display(hall_running, by=case.secretary)[1]]
    # --- end hall screen ---
    help_world = make_help_world(case)
    integration_world = make_integration_world(case)  # issue 13 part 5
    values = {
        **help_world,
        **integration_world,
        "task_id": [task.pk], "task_attachment_id": [task_report.attachments.get().pk],
        "meeting_id": [rec.meeting.pk, case.meeting.pk, waiting.pk],
        "document_id": [minutes.document_id, case.minutes.pk, rnd.draft_id, own.pk, invitation_doc, *converted],
        "attachment_id": [attachment.pk], "round_id": [rnd.pk], "answer_id": [answer.pk],
        "request_id": [minutes.signing_request_id], "participant_id": [participant.pk],
        "item_id": [rec.item1.pk], "unit_id": [case.committee.pk],
        "token": hall_tokens,  # hall screen
    }
    roles = {"anonymous": None, "guest": case.guest, "member": case.member,
             "secretary": case.secretary, "chair": case.chair, "admin": case.admin}
    objects = {"run_meeting": rec.meeting, "ended_meeting": case.meeting, "waiting_meeting": waiting,
               "sealed_meeting": sealed, "minutes_document": minutes.document_id, "own_document": own.pk,
               "round": rnd, "signing_request": minutes.signing_request_id, "task": task}
    return PageWorld(values=values, roles=roles, objects=objects)


# --- help (issue 12): the guide seeded, a page with an image and a PDF, feedback with a PDF ---
def make_help_world(case: Any) -> dict[str, list[Any]]:
    """The user guide (seeded, one page with an image and a PDF), a message to the operator from
    the member with a PDF: the URL values of the help and feedback pages."""
    from ecabinet.actions_help import do_add_help_file, do_send_feedback
    from ecabinet.help_seed import seed_help
    from ecabinet.models import HelpPage
    from ecabinet.schemas import FeedbackIn

    seed_help()
    page = HelpPage.objects.get(key="bat-dau")
    image = do_add_help_file(page, actor=case.admin, upload=SimpleUploadedFile("man-hinh.png", png_bytes(mode="RGB")),
                             title="Màn hình trang chủ")
    pdf = do_add_help_file(page, actor=case.admin, upload=SimpleUploadedFile("so-tay.pdf", make_pdf(1, "Sổ tay")),
                           title="Sổ tay đại biểu")
    feedback = do_send_feedback(actor=case.member, data=FeedbackIn(subject="Không mở được tài liệu",
                                                                   text="Trang trắng khi mở tài liệu.", page="/"),
                                upload=SimpleUploadedFile("loi.pdf", make_pdf(1, "Lỗi")))
    organiser_page = HelpPage.objects.get(key="thu-ky-chuan-bi")
    return {"page_id": [page.pk, organiser_page.pk], "file_id": [pdf.pk, image.pk], "feedback_id": [feedback.pk],
            "topic": ["general", "room"]}


# --- the province's platforms (issue 13 part 5): a client system, a webhook endpoint with a logged
# delivery (its receiver refuses the connection, so the log shows a failed attempt and the next try) ---
def make_integration_world(case: Any) -> dict[str, list[Any]]:
    from ecabinet.actions_integration import do_register_client, do_register_webhook
    from ecabinet.models_integration import WEBHOOK_EVENTS
    from ecabinet.schemas_integration import ClientSystemIn, WebhookEndpointIn
    from ecabinet.webhooks import _fan_out

    system, _secret = do_register_client(actor=case.admin, data=ClientSystemIn(
        name="Nền tảng LGSP tỉnh", units=[case.committee.pk], include_subunits=True))
    endpoint = do_register_webhook(actor=case.admin, data=WebhookEndpointIn(
        name="Trục liên thông văn bản", url="http://127.0.0.1:9/webhooks/ecabinet", units=[case.committee.pk],
        include_subunits=True, events=list(WEBHOOK_EVENTS)))
    _fan_out("meeting.scheduled", case.committee.pk, {"type": "meeting.scheduled", "timestamp": "", "data": {}})
    return {"client_id": [system.pk], "endpoint_id": [endpoint.pk]}


def committed_page_world() -> PageWorld:
    """The same world outside a TestCase (a test marked django_db(transaction=True), so a server
    process sees it): SigningTestCase's data, then the pages' own. The caller sets MEDIA_ROOT to
    the server's media folder and cheap Argon2 parameters, as SigningTestCase.setUpClass does."""
    world = type("CommittedPageWorld", (SigningTestCase,), {"__module__": __name__})
    world.setUpTestData()
    return build_page_world(world)
