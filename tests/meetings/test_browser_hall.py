"""The hall screen in headless Chromium over daphne (1280×720, no login): it follows a meeting
live while the chair and the members act through the API (start, the current item, the floor
with a time limit and its countdown, a vote from opening to its result), fits the screen without
scrolling, and turns into the plain 404 page when its link is revoked."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from ecabinet.actions import do_issue_api_token
from meetings.models import Meeting
from tests.kit.browser import new_context
from tests.kit.factories import make_hall_display
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.rooms import make_room

pytestmark = pytest.mark.django_db(transaction=True)

HALL = {"width": 1280, "height": 720}
FULL_HD = {"width": 1920, "height": 1080}
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "var/test-artifacts")) / "hall"

# Nothing scrolls: the page is exactly the screen (a big screen has no one to scroll it).
FITS_JS = """() => {
  const root = document.documentElement;
  return root.scrollHeight <= window.innerHeight && root.scrollWidth <= window.innerWidth;
}"""


class Api:
    """The API of the server process, as one person (a bearer token)."""

    def __init__(self, base: str, user):
        self.base = base + "/api/v1"
        self.token = do_issue_api_token(actor=user)[1]

    def post(self, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(self.base + path, data=json.dumps(body or {}).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())


def text_of(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]")


def wait_text(page, testid: str, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => { const el = document.querySelector(`[data-testid=${id}]`);"
        " return !!el && el.textContent.toLowerCase().includes(text.toLowerCase()); }", arg=[testid, text])


def test_the_hall_screen_follows_a_meeting_live(app_server, browser):
    server = app_server
    room = make_room(Meeting.Status.SCHEDULED, prefix="h")
    meeting, (item1, item2, _item3) = room.meeting, room.items
    display, token = make_hall_display(meeting, by=room.secretary, label="Hội trường tầng 3")
    chair, one, two = Api(server.url, room.chair), Api(server.url, room.members[0]), Api(server.url, room.members[1])
    secretary = Api(server.url, room.secretary)

    context = new_context(browser, server.url, None, viewport=HALL)  # no login on the hall's computer
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{server.url}/hall/{token}/")
    page.wait_for_selector("#conn[data-state=online]")
    assert text_of(page, "hall-title") == meeting.title
    wait_text(page, "hall-status", "Đã lên lịch")
    assert page.locator("[data-testid=hall-qr]").is_hidden()  # check-in opens with the meeting

    # the chair starts the meeting and takes the first item
    chair.post(f"/meetings/{meeting.pk}/start")
    wait_text(page, "hall-status", "Đang diễn ra")
    page.wait_for_selector("[data-testid=hall-qr]:not([hidden])")
    page.wait_for_function("() => document.getElementById('hall-qr').naturalWidth > 0")
    chair.post(f"/meetings/{meeting.pk}/current", {"item": item1.pk})
    wait_text(page, "hall-item-title", item1.title)
    wait_text(page, "hall-item-time", "còn lại")  # 15 minutes planned, counting down
    assert "1/3" in text_of(page, "hall-item")

    # the members check in: the attendance follows
    for person in (chair, one, two):
        person.post(f"/meetings/{meeting.pk}/checkin")
    wait_text(page, "hall-att-members", "3/3")
    wait_text(page, "hall-att-quorum", "Đủ túc số")

    # a member asks for the floor, a second asks a question; the chair gives the floor for 2 minutes
    asked = one.post(f"/meetings/{meeting.pk}/speakers", {"kind": "speak"})
    two.post(f"/meetings/{meeting.pk}/speakers", {"kind": "question"})
    wait_text(page, "hall-queue-speak", room.members[0].full_name)
    wait_text(page, "hall-queue-question", room.members[1].full_name)
    chair.post(f"/speakers/{asked['id']}/grant", {"time_limit_minutes": 2})
    wait_text(page, "hall-speaker-name", room.members[0].full_name)
    page.wait_for_selector("[data-testid=hall-speaker-time][data-left]")
    first = int(page.get_attribute("[data-testid=hall-speaker-time]", "data-left"))
    assert 100 <= first <= 120
    page.wait_for_function(f"() => +document.querySelector('[data-testid=hall-speaker-time]').dataset.left < {first}")
    assert ":" in text_of(page, "hall-speaker-time")
    assert room.members[0].full_name not in text_of(page, "hall-queue-speak")  # out of the queue

    # the next item: the item and its clock change
    chair.post(f"/speakers/{asked['id']}/finish")
    wait_text(page, "hall-speaker-name", "Chưa có ai phát biểu.")
    chair.post(f"/meetings/{meeting.pk}/current", {"item": item2.pk})
    wait_text(page, "hall-item-title", item2.title)
    assert "2/3" in text_of(page, "hall-item")

    # a vote opens (counts hidden while open), ballots come in, it closes and the result shows
    poll = secretary.post(f"/meetings/{meeting.pk}/polls", {"question": "Thông qua tờ trình số 12?"})
    assert page.locator("[data-testid=hall-vote]").is_hidden()  # prepared, not opened
    chair.post(f"/polls/{poll['id']}/open")
    wait_text(page, "hall-vote-question", "Thông qua tờ trình số 12?")
    wait_text(page, "hall-vote-status", "Đang biểu quyết")
    assert page.locator("[data-testid=hall-queues]").is_hidden()
    # the chair pauses the vote (the votes' list, fn41): the screen says so, then it resumes
    chair.post(f"/polls/{poll['id']}/pause")
    wait_text(page, "hall-vote-status", "Tạm dừng biểu quyết")
    chair.post(f"/polls/{poll['id']}/resume")
    wait_text(page, "hall-vote-status", "Đang biểu quyết")
    one.post(f"/polls/{poll['id']}/ballot", {"choice": "agree"})
    two.post(f"/polls/{poll['id']}/ballot", {"choice": "agree"})
    chair.post(f"/polls/{poll['id']}/ballot", {"choice": "disagree"})
    wait_text(page, "hall-vote-cast", "3 phiếu")
    assert page.locator("[data-testid=hall-vote] .count").count() == 0  # this poll hides its counts
    page.screenshot(path=str(_artifact("hall-1280-vote-open.png")))
    chair.post(f"/polls/{poll['id']}/close")
    wait_text(page, "hall-vote-status", "Kết quả biểu quyết")
    wait_text(page, "hall-vote-result", "Thông qua")
    assert page.locator("[data-testid=hall-vote] .count").all_inner_texts() == ["2", "1", "0"]
    assert page.evaluate(FITS_JS)
    page.screenshot(path=str(_artifact("hall-1280-result.png")))

    # the same screen on a full HD display: still one screen
    page.set_viewport_size(FULL_HD)
    assert page.evaluate(FITS_JS)
    page.screenshot(path=str(_artifact("hall-1920-result.png")))

    # a tablet held upright and a phone: stacked, scrolling down, never sideways
    for size, name in (({"width": 768, "height": 1024}, "tablet"), ({"width": 360, "height": 800}, "phone")):
        page.set_viewport_size(size)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=str(_artifact(f"hall-{name}-result.png")), full_page=True)

    # the secretary revokes the link: the socket closes and the page becomes the plain 404
    secretary.post(f"/hall-displays/{display.pk}/revoke")
    page.wait_for_selector("[data-testid=error-page]")
    assert page.locator("[data-testid=hall]").count() == 0
    assert script_errors([watch]) == []
    context.close()


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
