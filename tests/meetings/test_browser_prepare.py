"""A secretary prepares a meeting in a real browser; members answer the invitation.

Headless Chromium (Debian's /usr/bin/chromium) through Playwright against pytest-django's live
server. Document upload and approval belong to the documents flow: see `upload_documents_hook`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ecabinet.models import Unit
from ecabinet.roles import ORGANISER
from meetings.models import AgendaItem, Meeting, Participant
from tests.kit.browser import login_page
from tests.kit.users import make_user


def login(browser, base: str, username: str):
    return login_page(browser, base, username)


def upload_documents_hook(page, meeting: Meeting) -> None:
    """The documents engineer's part of the flow (upload, approve) plugs in here."""


def agenda_titles(page) -> list[str]:
    return page.locator("[data-testid=agenda-item] .item-title").all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_secretary_prepares_and_members_answer(live_server, browser):
    unit = Unit.objects.create(name="Văn phòng UBND tỉnh", code="vp", kind="office")
    make_user("thuky", unit=unit, full_name="Trần Thị Thư Ký", roles=(ORGANISER,))
    make_user("chutich", unit=unit, full_name="Nguyễn Văn Chủ Tịch")
    member = make_user("daibieu1", unit=unit, full_name="Lê Văn Đại Biểu")
    make_user("daibieu2", unit=unit, full_name="Phạm Thị Hai")
    make_user("phogiamdoc", unit=unit, full_name="Hoàng Văn Phó")
    base = live_server.url

    page = login(browser, base, "thuky")
    page.click("text=Cuộc họp")
    page.click("[data-testid=new-meeting]")
    start = timezone.localtime() + timedelta(days=2)
    page.fill("#title", "Phiên họp thường kỳ tháng 12")
    page.fill("#starts_at", start.strftime("%Y-%m-%dT08:00"))
    page.fill("#ends_at", start.strftime("%Y-%m-%dT07:00"))
    page.fill("#chair", "chutich")
    page.click("[data-testid=save-meeting]")
    # End before start: refused on the page, nothing created.
    assert page.locator("[data-testid=ends-error]").is_visible()
    assert not Meeting.objects.exists()
    page.fill("#ends_at", start.strftime("%Y-%m-%dT11:30"))
    page.click("[data-testid=save-meeting]")
    page.wait_for_selector("[data-testid=meeting-title]")
    meeting = Meeting.objects.get()
    assert page.inner_text("[data-testid=chair]") == "Nguyễn Văn Chủ Tịch"

    for username in ("daibieu1", "daibieu2"):
        page.fill("#add-username", username)
        page.click("[data-testid=add-person]")
        page.wait_for_selector(f"tr[data-username={username}]")

    for title, minutes in (("Báo cáo kinh tế - xã hội", "30"), ("Tờ trình ngân sách 2027", "20"),
                           ("Kết luận của Chủ tịch", "10")):
        page.fill("#item-title", title)
        page.fill("#item-duration", minutes)
        page.click("[data-testid=add-item]")
        page.wait_for_selector(f"text={title}")
    assert "60" in page.inner_text("[data-testid=total-time]")

    # Drag the conclusion to the top (HTML5 drag and drop; saved through the API).
    items = page.locator("[data-testid=agenda-item]")
    items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 3})
    page.wait_for_selector("#agenda[data-saved='1']")
    assert agenda_titles(page)[0] == "Kết luận của Chủ tịch"
    page.reload()
    assert agenda_titles(page) == ["Kết luận của Chủ tịch", "Báo cáo kinh tế - xã hội", "Tờ trình ngân sách 2027"]
    # The ↓ button works too (and keeps the version in step).
    page.locator("[data-testid=move-down]").first.click()
    page.wait_for_load_state()
    assert agenda_titles(page)[1] == "Kết luận của Chủ tịch"
    # Each item's and person's tools are one copy filled with the row's own values (prep.js).
    first = page.locator("[data-testid=agenda-item]").first
    first.locator("summary").click()
    assert first.locator("input[name=title]").input_value() == "Báo cáo kinh tế - xã hội"
    assert first.locator("input[name=duration_minutes]").input_value() == "30"
    first.locator("input[name=duration_minutes]").fill("45")
    with page.expect_navigation():
        first.locator("details button[type=submit]").click()
    assert AgendaItem.objects.get(meeting=meeting, title="Báo cáo kinh tế - xã hội").duration_minutes == 45
    assert page.locator("tr[data-username=daibieu1] select[name=role]").input_value() == "member"

    upload_documents_hook(page, meeting)
    mail.outbox.clear()
    page.click("[data-testid=schedule]")
    page.click("[data-testid=confirm-dialog-ok]")  # sending invitations asks first
    page.wait_for_selector("[data-testid=meeting-status].scheduled")
    assert sorted(m.to[0] for m in mail.outbox) == ["chutich@example.gov.vn", "daibieu1@example.gov.vn",
                                                    "daibieu2@example.gov.vn"]

    # A member declines with a reason; the reason is required.
    member_page = login(browser, base, "daibieu1")
    member_page.goto(f"{base}{meeting.get_absolute_url()}")
    member_page.check("[data-testid=answer-decline]")
    member_page.click("[data-testid=send-answer]")
    assert member_page.locator("[data-testid=page-error]").is_visible()
    member_page.check("[data-testid=answer-decline]")
    member_page.fill("#answer-reason", "Đi công tác tại Hà Nội")
    member_page.click("[data-testid=send-answer]")
    member_page.wait_for_selector("[data-testid=my-response]")
    assert Participant.objects.get(meeting=meeting, user=member).response_reason == "Đi công tác tại Hà Nội"

    # Another member delegates (ủy quyền); the delegate receives the invitation.
    mail.outbox.clear()
    second = login(browser, base, "daibieu2")
    second.goto(f"{base}{meeting.get_absolute_url()}")
    second.check("[data-testid=answer-delegate]")
    second.fill("#answer-delegate", "phogiamdoc")
    second.click("[data-testid=send-answer]")
    second.wait_for_selector("tr[data-username=phogiamdoc]")
    assert [m.to[0] for m in mail.outbox] == ["phogiamdoc@example.gov.vn"]

    # The delegate attends.
    delegate_page = login(browser, base, "phogiamdoc")
    delegate_page.goto(f"{base}{meeting.get_absolute_url()}")
    delegate_page.check("[data-testid=answer-attend]")
    delegate_page.click("[data-testid=send-answer]")
    delegate_page.wait_for_load_state()
    assert Participant.objects.get(meeting=meeting, user__username="phogiamdoc").response == "attend"

    # The secretary's list shows the answers and the reason.
    page.reload()
    row = page.locator("tr[data-username=daibieu1]")
    assert "Đi công tác tại Hà Nội" in row.inner_text()
    assert "ủy quyền" in page.locator("tr[data-username=daibieu2]").inner_text().lower()


# --- the meeting page over the real ASGI app: live answers from the socket, confirmations -------

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def asgi_server(tmp_path):
    from django.db import connection

    from tests.meetings.room_server import AppServer, database_url_of

    with AppServer(database_url=database_url_of(connection.settings_dict), media_root=str(tmp_path)) as app:
        yield app


@pytest.fixture
def own_connection():
    # Playwright's sync API runs the test in a greenlet with its own DB connection: close it.
    yield
    from django.db import connections

    connections.close_all()


def open_meeting_page(browser, server, user, meeting, viewport):
    from tests.kit.browser import new_context

    page = new_context(browser, server.url, user, viewport=viewport, locale="vi-VN").new_page()
    page.goto(f"{server.url}{meeting.get_absolute_url()}")
    page.wait_for_selector("#meeting[data-live=online]")
    return page


def dialog_fits(page, viewport) -> None:
    dialog = page.wait_for_selector("[data-testid=confirm-dialog][open]")
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    assert page.locator("[data-testid=confirm-dialog] [data-testid=confirm-dialog-ok]").is_visible()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_meeting_page_confirms_destructive_steps_and_follows_answers_live(asgi_server, browser, own_connection,
                                                                         size):
    from tests.kit.rooms import make_room

    viewport = VIEWPORTS[size]
    room = make_room(status="draft", prefix="lp")
    meeting, leaving = room.meeting, room.member_parts[1]
    page = open_meeting_page(browser, asgi_server, room.secretary, meeting, viewport)

    # Removing a person asks first; going back removes nothing.
    remove_person = f"tr[data-participant-id='{leaving.pk}'] [data-testid=remove-person]"
    page.click(remove_person)
    dialog_fits(page, viewport)
    assert f"Xóa {leaving.user.full_name} khỏi" in page.inner_text("[data-testid=confirm-dialog]")
    page.click("[data-testid=confirm-dialog-back]")
    assert page.locator(remove_person).count() == 1
    assert Participant.objects.filter(pk=leaving.pk).exists()
    page.click(remove_person)
    # The form's answer is the page loaded again; the live socket may take the row off the old page
    # first. Clicks go to the new page once its scripts (the dialog's among them) run: before that
    # a form is a plain POST, with no question asked, as without JavaScript.
    with page.expect_navigation():
        page.click("[data-testid=confirm-dialog-ok]")
    page.wait_for_selector("#meeting[data-live=online]")
    page.wait_for_selector(f"tr[data-participant-id='{leaving.pk}']", state="detached")
    assert not Participant.objects.filter(pk=leaving.pk).exists()

    # Removing an agenda item too.
    page.locator("[data-testid=remove-item]").last.click()
    dialog_fits(page, viewport)
    last_title = page.locator("[data-testid=agenda-item] .item-title").last.inner_text()
    assert f"“{last_title}”" in page.inner_text("[data-testid=confirm-dialog]")
    with page.expect_navigation():  # as above: the answer is the page again
        page.click("[data-testid=confirm-dialog-ok]")
    page.wait_for_selector("#meeting[data-live=online]")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=agenda-item]').length === 2")
    assert AgendaItem.objects.filter(meeting=meeting).count() == 2

    # Sending the invitations too.
    page.click("[data-testid=schedule]")
    dialog_fits(page, viewport)
    page.click("[data-testid=confirm-dialog-ok]")
    page.wait_for_selector("[data-testid=meeting-status].scheduled")
    page.wait_for_selector("#meeting[data-live=online]")

    # A member's answer reaches the secretary's page over the socket: no reload, no polling.
    api_reads = []
    page.on("request", lambda request: api_reads.append(request.url) if "/api/v1/meetings" in request.url else None)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    member = open_meeting_page(browser, asgi_server, room.member, meeting, viewport)
    member.check("[data-testid=answer-decline]")
    member.fill("#answer-reason", "Đi công tác tại Hà Nội")
    member.click("[data-testid=send-answer]")
    row = f"tr[data-participant-id='{room.member_parts[0].pk}']"
    page.wait_for_selector(f"{row} [data-field=response][data-response=decline]")
    assert "Đi công tác tại Hà Nội" in page.inner_text(f"{row} [data-field=reason]")
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert api_reads == []
