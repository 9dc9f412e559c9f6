"""Offline on a phone, in headless Chromium against the real server (daphne): the service worker
keeps a member's meeting and documents, the member reads them offline, a note typed offline
arrives once after reconnect (even though its first answer is lost), access withdrawn empties
the cache at the next sync, signing out empties it all, and the room's reconnect banner does not
flash on a short drop."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from ecabinet.actions import do_issue_api_token
from meetings.actions import documents as doc_actions
from meetings.models import Meeting, PersonalNote
from tests.kit.browser import new_context
from tests.kit.factories import make_meeting, upload_document
from tests.kit.files import make_pdf
from tests.kit.rooms import make_room
from tests.kit.users import make_people

pytestmark = pytest.mark.django_db(transaction=True)

# Functions, not expressions: Playwright evaluates an expression with eval, which the CSP refuses.
CACHE_NAMES = "() => caches.keys()"
CACHED = "async ([name, url]) => Boolean(await (await caches.open(name)).match(url, {ignoreVary: true}))"
FETCH = """async (url) => {
  const r = await fetch(url);
  return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength];
}"""


@pytest.fixture
def app_server(own_connection):
    """The real app (daphne) against this test's database and media folder: the documents the
    test uploads are the ones the server delivers."""
    from django.conf import settings
    from django.db import connection

    from tests.meetings.room_server import AppServer, database_url_of

    with AppServer(database_url=database_url_of(connection.settings_dict),
                   media_root=str(settings.MEDIA_ROOT)) as app:
        yield app


def meeting_with_pack():
    people = make_people(prefix="o")
    meeting = make_meeting(by=people.owner, title="Họp giao ban quý I", members=[people.member],
                           starts_at=timezone.now().replace(microsecond=0) + timedelta(days=1),
                           status=Meeting.Status.SCHEDULED)
    report = upload_document(meeting, by=people.owner, title="Báo cáo tổng hợp quý I", data=make_pdf(3))
    plan = upload_document(meeting, by=people.owner, title="Kế hoạch đầu tư công", data=make_pdf(2))
    return people, meeting, report, plan


def signed_in_phone(browser, server, user):
    context = new_context(browser, server.url, user, phone=True, locale="vi-VN")
    return context, context.new_page()


def synced(page) -> dict:
    """Wait for the service worker to take over and finish a sync (the page's hello)."""
    result = page.evaluate("() => window.ecabOffline.hello()")
    assert result and result.get("ok"), result
    return result


def test_read_offline_and_a_note_typed_offline_arrives_once(app_server, browser):
    server = app_server
    people, meeting, report, _plan = meeting_with_pack()
    member = people.member
    context, page = signed_in_phone(browser, server, member)
    page.goto(f"{server.url}/meetings/{meeting.pk}/")
    started = time.perf_counter()
    result = synced(page)
    print(f"first sync (worker install included): {time.perf_counter() - started:.2f} s, {result}")
    assert result["entries"] >= 6 and result["failed"] == 0, result
    user_cache = f"ecab-user-{member.pk}"
    assert user_cache in page.evaluate(CACHE_NAMES)
    assert page.evaluate(CACHED, [user_cache, f"/documents/{report.pk}/view/"])
    page.goto(f"{server.url}/documents/{report.pk}/")
    page.wait_for_selector("[data-testid=note-form]")

    # On the plane: the document page, the viewer and the PDF come from the device.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("h1:has-text('Báo cáo tổng hợp quý I')")
    page.wait_for_function("() => document.querySelector('[data-testid=viewer-page-count]').textContent.trim() === '3'")
    assert page.locator("[data-testid=viewer-error]").is_hidden()
    status, content_type, size = page.evaluate(FETCH, f"/documents/{report.pk}/view/")
    assert (status, content_type) == (200, "application/pdf") and size > 1000
    page.wait_for_selector("[data-testid=offline-notice]")
    # A page the device does not keep: the offline page, listing what it keeps.
    page.goto(f"{server.url}/notes/")
    page.wait_for_selector("[data-testid=offline-page]")
    page.wait_for_selector("#offline-saved-list a:has-text('Họp giao ban quý I')")
    page.click("#offline-saved-list a:has-text('Báo cáo tổng hợp quý I')")
    page.wait_for_selector("h1:has-text('Báo cáo tổng hợp quý I')")
    page.wait_for_function("() => document.querySelector('[data-testid=viewer-page-count]').textContent.trim() === '3'")

    # A note typed offline on page 2, in the viewer's note form, waits in the queue ...
    page.fill("[data-testid=viewer-page]", "2")
    page.press("[data-testid=viewer-page]", "Enter")
    page.wait_for_selector("[data-testid=viewer-notes][data-page='2']")
    page.fill("#id_text", "Trang 2: số liệu quý I chưa khớp với báo cáo tháng")
    page.click("[data-testid=note-form] button[type=submit]")
    page.wait_for_selector("[data-testid=viewer-notes-list] .pdfv-note.pending")
    page.wait_for_selector("[data-testid=queue-pending]")
    assert PersonalNote.objects.count() == 0

    # ... and is sent on reconnect; the first answer is lost on the way back, so the queue sends
    # it again with the same key: the server applies it once and answers the same.
    sends: list[str] = []

    def lose_first_answer(route):
        sends.append(route.request.headers.get("idempotency-key", ""))
        if len(sends) == 1:
            route.fetch()  # the server gets it and answers ...
            route.abort("connectionreset")  # ... and the answer never reaches the phone
        else:
            route.continue_()

    context.route("**/api/v1/notes", lose_first_answer)
    context.set_offline(False)
    page.wait_for_selector("[data-testid=viewer-notes-list] .pdfv-note.pending", state="detached")
    page.wait_for_selector("[data-testid=viewer-notes-list] .pdfv-note:has-text('số liệu quý I chưa khớp')")
    assert len(sends) >= 2 and len(set(sends)) == 1 and sends[0], sends
    notes = PersonalNote.objects.filter(user=member)
    assert notes.count() == 1
    assert (notes.get().page, notes.get().document_id) == (2, report.pk)
    page.wait_for_function("() => document.body.dataset.queue === '0'")
    assert page.evaluate("() => window.ecabOffline.queued()") == []
    context.close()


def test_withdrawn_access_leaves_the_cache_and_a_refused_note_is_shown(app_server, browser):
    server = app_server
    people, meeting, report, plan = meeting_with_pack()
    member = people.member
    context, page = signed_in_phone(browser, server, member)
    page.goto(f"{server.url}/documents/{plan.pk}/")
    synced(page)
    user_cache = f"ecab-user-{member.pk}"
    for doc in (report, plan):
        assert page.evaluate(CACHED, [user_cache, f"/documents/{doc.pk}/view/"])

    # Made confidential (the member is no reader) and withdrawn: gone at the next sync.
    doc_actions.do_set_readers(report, actor=people.owner, usernames=[], confidential=True)
    result = page.evaluate("() => window.ecabOffline.sync()")
    assert result["ok"], result
    assert not page.evaluate(CACHED, [user_cache, f"/documents/{report.pk}/view/"])
    assert not page.evaluate(CACHED, [user_cache, f"/documents/{report.pk}/"])
    assert page.evaluate(CACHED, [user_cache, f"/documents/{plan.pk}/view/"])

    # A note typed offline on a document withdrawn meanwhile: refused with the server's message.
    page.wait_for_selector("[data-testid=note-form]")
    context.set_offline(True)
    page.fill("#id_text", "Ghi chú gửi sau")
    page.click("[data-testid=note-form] button[type=submit]")
    page.wait_for_selector("[data-testid=viewer-notes-list] .pdfv-note.pending")
    doc_actions.do_withdraw_document(plan, actor=people.owner)
    context.set_offline(False)
    refused = page.wait_for_selector("[data-testid=queue-refused]")
    assert "Không tìm thấy tài liệu" in refused.text_content(), refused.text_content()
    assert not PersonalNote.objects.exists()
    page.evaluate("() => window.ecabOffline.sync()")
    assert not page.evaluate(CACHED, [user_cache, f"/documents/{plan.pk}/view/"])

    # Another user's pages are never served from this user's cache: an outsider signing in on
    # the same device (same browser profile) gets their own, and the member's cache is deleted.
    context.clear_cookies()
    from tests.kit.users import session_cookie

    context.add_cookies([{"name": "sessionid", "value": session_cookie(people.outsider), "url": server.url}])
    page.goto(f"{server.url}/")
    synced(page)
    names = page.evaluate(CACHE_NAMES)
    assert user_cache not in names and f"ecab-user-{people.outsider.pk}" in names, names
    context.close()


def test_sign_out_empties_the_caches_and_the_queue(app_server, browser):
    server = app_server
    people, meeting, report, _plan = meeting_with_pack()
    context, page = signed_in_phone(browser, server, people.member)
    page.goto(f"{server.url}/documents/{report.pk}/")
    synced(page)
    assert any(name.startswith("ecab-user-") for name in page.evaluate(CACHE_NAMES))
    page.wait_for_selector("[data-testid=note-form]")
    context.set_offline(True)
    page.fill("#id_text", "Chưa gửi")
    page.click("[data-testid=note-form] button[type=submit]")
    page.wait_for_selector("[data-testid=viewer-notes-list] .pdfv-note.pending")
    context.route("**/api/v1/notes", lambda route: route.abort())  # keep it queued
    context.set_offline(False)
    page.set_viewport_size({"width": 1280, "height": 900})  # the menu's sign-out button in view
    page.click("form[data-logout] button[type=submit]")
    page.wait_for_url(f"{server.url}/login/")
    assert page.evaluate(CACHE_NAMES) == []
    databases = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "ecabinet-offline" not in databases
    assert not PersonalNote.objects.exists()
    context.close()


def test_the_reconnect_banner_does_not_flash_on_a_short_drop(app_server, browser):
    server = app_server
    room = make_room(prefix="b")
    _issued, token = do_issue_api_token(actor=room.secretary)
    context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
    page = context.new_page()
    page.clock.install()
    sockets: list = []
    frames: list = []  # (socket number, frame), recorded from the socket's creation on

    def opened(ws) -> None:
        number = len(sockets)
        sockets.append(ws)
        ws.on("framereceived", lambda frame: frames.append((number, frame)))

    page.on("websocket", opened)
    page.goto(f"{server.url}/meetings/{room.meeting.pk}/room/")
    page.wait_for_selector("#conn[data-state=online]")
    page.evaluate("""() => {
      window.connStates = [];
      new MutationObserver(() => window.connStates.push(document.getElementById('conn').dataset.state))
        .observe(document.getElementById('conn'), {attributes: true});
    }""")
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1000)

    # A one-second drop: the socket closes, reconnects within the second; nothing is shown.
    first = sockets[-1]
    with first.expect_event("close"):
        page.evaluate("() => window.eRoom.drop()")
    with page.expect_websocket():
        page.clock.run_for(1000)
    # the chair moves on: the change reaches the new socket once it is open
    set_current = urllib.request.Request(
        f"{server.url}/api/v1/meetings/{room.meeting.pk}/current", data=json.dumps({"item": room.items[1].pk}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, method="POST")
    assert urllib.request.urlopen(set_current, timeout=30).status == 200
    for _ in range(600):  # until the new socket's first frame (the snapshot): connected again
        if any(number == len(sockets) - 1 for number, _frame in frames):
            break
        page.wait_for_timeout(50)
    assert any(number == len(sockets) - 1 for number, _frame in frames)
    page.clock.run_for(10000)  # long past the grace period
    assert page.evaluate("() => window.connStates") == []
    assert page.get_attribute("#conn", "data-state") == "online"

    # A real outage: shown once it lasts, not before.
    context.set_offline(True)
    page.clock.run_for(1000)
    assert page.get_attribute("#conn", "data-state") == "online"
    page.clock.run_for(2500)
    assert page.get_attribute("#conn", "data-state") in ("offline", "connecting")
    context.set_offline(False)
    page.clock.run_for(1000)
    page.wait_for_selector("#conn[data-state=online]")
    context.close()


def test_room_actions_queued_offline(app_server, browser):
    """A check-in and a request to speak made offline: the check-in arrives once on reconnect; the
    request to speak is refused because the chair moved to another item meanwhile, and the member
    sees the server's message."""
    server = app_server
    room = make_room(prefix="r")
    _issued, token = do_issue_api_token(actor=room.secretary)

    def post(path: str, body: dict) -> None:
        request = urllib.request.Request(f"{server.url}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=30).status == 200

    post(f"/meetings/{room.meeting.pk}/current", {"item": room.items[0].pk})
    context = new_context(browser, server.url, room.member, phone=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server.url}/meetings/{room.meeting.pk}/room/")
    page.wait_for_selector(f"[data-testid=item-{room.items[0].pk}][data-status=current]")

    context.set_offline(True)
    page.click("[data-testid=checkin]")
    page.click("[data-testid=ask-speak]")
    page.wait_for_function("() => document.body.dataset.queue === '2'")
    post(f"/meetings/{room.meeting.pk}/current", {"item": room.items[1].pk})  # the meeting moves on

    context.set_offline(False)
    refused = page.wait_for_selector("[data-testid=queue-refused]")
    assert "chuyển sang nội dung khác" in refused.text_content(), refused.text_content()
    page.wait_for_function("() => document.body.dataset.queue === '0'")
    from meetings.models import Attendance, SpeakerRequest

    assert Attendance.objects.filter(participant__user=room.member).count() == 1
    assert not SpeakerRequest.objects.exists()
    context.close()
