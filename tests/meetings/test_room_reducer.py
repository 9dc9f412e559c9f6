"""The room's JavaScript reducer against the server's own snapshots.

Real changes go through the HTTP API (as the room's buttons send them); after each one, for each
viewer (a member, a guest, the chair), snapshot r, the events emitted after r as that viewer
receives them (hidden ones included) and snapshot s are recorded. Then headless Chromium imports
static/meetings/room/state.js and checks reduce(applySnapshot(r), events) == snapshot s — the
invariant tests/meetings/test_live_invariant.py checks for the Python reducer. Every event type
declared in meetings/event_types.py must have been applied at least once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from meetings.access import meeting_access
from meetings.event_types import EVENTS
from meetings.events import may_see
from meetings.live.snapshot import build_snapshot
from meetings.models import (
    Document,
    Meeting,
    MeetingEvent,
    MeetingRoom,
    MeetingType,
    Participant,
    Poll,
    SpeakerRequest,
)
from tests.conftest import require_tool
from tests.kit.files import make_pdf
from tests.kit.rooms import make_room, normalized
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "http://room.test"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
VIEWERS = ("member", "guest", "chair")


class Recorder:
    """Runs API calls and records, per viewer, (snapshot before, events, snapshot after)."""

    def __init__(self, room):
        self.room = room
        self.users = {"member": room.member, "guest": room.guest, "chair": room.chair}
        self.snaps = {role: self.snapshot(role) for role in VIEWERS}
        self.cases: list[dict] = []

    def snapshot(self, role: str) -> dict:
        # Through JSON, as the socket sends it: the browser sees exactly these values.
        return json.loads(json.dumps(build_snapshot(meeting_access(self.users[role], self.room.meeting.pk))))

    def api(self, user, method: str, path: str, body=None, **extra):
        client = Client()
        client.force_login(user)
        if method == "multipart":
            response = client.post("/api/v1" + path, body)
        else:
            response = getattr(client, method)("/api/v1" + path, json.dumps(body or {}),
                                               content_type="application/json", **extra)
        assert response.status_code in (200, 201, 204), (path, response.status_code, response.content[:300])
        self.record(path)
        return response.json() if response.status_code != 204 else None

    def record(self, label: str) -> None:
        meeting_id = self.room.meeting.pk
        for role in VIEWERS:
            access = meeting_access(self.users[role], meeting_id)
            before = self.snaps[role]
            events = []
            for event in MeetingEvent.objects.filter(meeting_id=meeting_id,
                                                     revision__gt=before["revision"]).order_by("revision"):
                visible = may_see(event.audience, user_id=access.user_id, role=access.role,
                                  runs_meeting=access.runs_meeting)
                events.append([event.type, event.data] if visible else ["hidden", None])
            after = self.snapshot(role)
            assert after["revision"] == before["revision"] + len(events)
            self.cases.append({"label": f"{label} ({role})", "before": before, "events": events,
                               "after": after["state"]})
            self.snaps[role] = after


def run_the_room(rec: Recorder) -> None:
    room = rec.room
    m, chair, secretary, member, guest = room.meeting, room.chair, room.secretary, room.member, room.guest
    member2 = room.members[1]
    base = f"/meetings/{m.pk}"
    items = [i.pk for i in room.items]

    # preparation: a person invited and removed, an item added, reordered and removed
    late = make_user("late", full_name="Người Đến Muộn")
    person = rec.api(secretary, "post", f"{base}/participants", {"username": late.username, "role": "member"})
    rec.api(secretary, "delete", f"{base}/participants/{person['id']}")
    def agenda_version() -> int:
        return Meeting.objects.get(pk=m.pk).agenda_version

    version = rec.api(secretary, "post", f"{base}/agenda", {"title": "Nội dung bổ sung", "duration_minutes": 5,
                                                           "agenda_version": agenda_version()})
    extra = version.get("id") or version.get("item", {}).get("id")
    rec.api(secretary, "post", f"{base}/agenda/reorder", {"order": [extra, *items], "agenda_version": agenda_version()})
    rec.api(secretary, "delete", f"{base}/agenda/{extra}?agenda_version={agenda_version()}")
    # documents: a public one, a confidential one (hidden from members and guests), one deleted
    for title, confidential in (("Tờ trình", False), ("Tài liệu mật", True), ("Bản nháp", False)):
        rec.api(secretary, "multipart", f"{base}/documents", {
            "file": SimpleUploadedFile(f"{title}.pdf", make_pdf(), content_type="application/pdf"),
            "title": title, "agenda_item": str(items[0]), **({"confidential": "true"} if confidential else {})})
    rec.api(secretary, "delete", f"/documents/{Document.objects.get(title='Bản nháp').pk}")
    # --- live seat map (fn117) and absence requests (fn113): a room with a grid, seats assigned, a
    # member's absence requested under a type that needs the chair's approval, then approved
    hall = MeetingRoom.objects.create(name="Hội trường A", seat_rows=2, seats_per_row=3)
    kind = MeetingType.objects.create(name="Họp UBND tỉnh", absence_needs_approval=True)
    rec.api(secretary, "patch", base, {"room": hall.pk, "meeting_type": kind.pk})
    rec.api(secretary, "patch", f"{base}/participants/{room.parts['chair'].pk}", {"seat": "A1"})
    rec.api(secretary, "patch", f"{base}/participants/{room.member_parts[0].pk}", {"seat": "A2"})
    absentee = make_user("absentee", full_name="Người Vắng")
    away = rec.api(secretary, "post", f"{base}/participants", {"username": absentee.username, "seat": "B1"})
    rec.api(absentee, "post", f"{base}/answer", {"response": "decline", "reason": "Đi công tác"})
    rec.api(chair, "post", f"{base}/participants/{away['id']}/absence", {"decision": "approve", "note": "Đồng ý."})
    # --- end

    # the meeting runs
    rec.api(secretary, "post", f"{base}/start")
    rec.api(chair, "post", f"{base}/current", {"item": items[0]})
    added = rec.api(chair, "post", f"{base}/live/items", {"title": "Nội dung phát sinh", "duration_minutes": 10})
    rec.api(chair, "post", f"/live/items/{items[2]}", {"title": "Nội dung 3 (sửa)"})
    rec.api(chair, "post", f"{base}/live/reorder", {"order": [items[2], items[0], items[1], added["id"]]})
    rec.api(chair, "post", f"/live/items/{items[1]}/postpone")
    rec.api(chair, "post", f"/live/items/{items[0]}/conclusion", {"text": "Thống nhất thông qua."})
    rec.api(chair, "post", f"{base}/conclusion", {"text": "Kết luận chung của cuộc họp."})
    rec.api(chair, "post", f"{base}/quorum", {"fraction": 0.66})
    rec.api(chair, "multipart", f"{base}/conclusion/attachments", {
        "file": SimpleUploadedFile("kl.pdf", make_pdf(), content_type="application/pdf"), "title": "Kết luận.pdf",
        "item": str(items[0])})
    # attendance
    rec.api(member, "post", f"{base}/checkin", {"remote": False})
    rec.api(member2, "post", f"{base}/checkin", {"remote": True})
    rec.api(guest, "post", f"{base}/checkin", {"remote": False})
    rec.api(secretary, "post", f"{base}/attendance", {"participant": room.parts["chair"].pk, "present": True})
    rec.api(secretary, "post", f"{base}/attendance", {"participant": room.parts["guest"].pk, "present": False})
    # the floor
    speak = rec.api(member, "post", f"{base}/speakers", {"kind": "speak"})
    question = rec.api(member2, "post", f"{base}/speakers", {"kind": "question"})
    rec.api(chair, "post", f"/speakers/{speak['id']}/grant", {"time_limit_minutes": 3})
    rec.api(chair, "post", f"/speakers/{speak['id']}/finish")
    # the secretary's note on the speech (runners only), cleared, written again
    rec.api(secretary, "post", f"/speakers/{speak['id']}/summary", {"text": "Đề nghị bổ sung số liệu."})
    rec.api(secretary, "post", f"/speakers/{speak['id']}/summary", {"text": ""})
    rec.api(chair, "post", f"/speakers/{speak['id']}/summary", {"text": "Đề nghị làm rõ nguồn vốn."})
    rec.api(member2, "post", f"/speakers/{question['id']}/withdraw")
    assert SpeakerRequest.objects.filter(meeting=m, status="done").count() == 1
    # a poll with live counts (voters visible to runners, "my vote" to the voter), then a secret one
    open_poll = rec.api(chair, "post", f"{base}/polls", {"question": "Thông qua?", "show_live": True})
    # --- votes prepared and run: a list edited, reordered, a draft deleted; ready marks; pause/resume
    later = rec.api(secretary, "post", f"{base}/polls", {"question": "Sau?", "ballot_set": "council"})
    rec.api(secretary, "post", f"/polls/{later['id']}/edit", {"question": "Sau (sửa)?", "ballot_set": "yes_no"})
    rec.api(secretary, "post", f"{base}/polls/reorder", {"item": open_poll["item"], "order": [later["id"], open_poll["id"]]})
    rec.api(member, "post", f"/polls/{later['id']}/ready")
    rec.api(secretary, "post", f"/polls/{later['id']}/delete")
    rec.api(member, "post", f"/polls/{open_poll['id']}/ready")
    rec.api(member, "post", f"/polls/{open_poll['id']}/unready")
    rec.api(member, "post", f"/polls/{open_poll['id']}/ready")
    rec.api(chair, "post", f"/polls/{open_poll['id']}/open")
    rec.api(chair, "post", f"/polls/{open_poll['id']}/pause")
    rec.api(chair, "post", f"/polls/{open_poll['id']}/resume")
    rec.api(member, "post", f"/polls/{open_poll['id']}/ballot", {"choice": "agree"})
    rec.api(chair, "post", f"/polls/{open_poll['id']}/ballot", {"choice": "disagree"})
    rec.api(chair, "post", f"/polls/{open_poll['id']}/close")
    secret = rec.api(chair, "post", f"{base}/polls", {"question": "Bỏ phiếu kín?", "secret": True,
                                                      "options": ["Có", "Không"]})
    rec.api(chair, "post", f"/polls/{secret['id']}/open")
    rec.api(member2, "post", f"/polls/{secret['id']}/ballot", {"choice": "o1"})
    rec.api(chair, "post", f"/polls/{secret['id']}/close")
    assert Poll.objects.filter(meeting=m, status="closed").count() == 2
    rec.api(chair, "post", f"{base}/end")
    assert not Participant.objects.filter(meeting=m, user=late).exists()


JS_CHECK = """async (cases) => {
  const { applySnapshot, reduce, EVENTS } = await import('/meetings/room/state.js');
  return cases.map((c) => {
    const frozen = JSON.stringify(c.before);
    let state = applySnapshot(c.before);
    const problems = [];
    for (const [name, data] of c.events) {
      const prev = state;
      const prevCopy = JSON.stringify(prev);
      state = reduce(prev, name, data);
      if (JSON.stringify(prev) !== prevCopy) problems.push(name + ' mutated its input');
      const changed = name === 'hidden' ? null : EVENTS[name][1];
      for (const key of Object.keys(prev)) {
        if (key !== changed && prev[key] !== state[key]) problems.push(name + ' replaced the untouched slice ' + key);
      }
      if (name === 'hidden' && state !== prev) problems.push('hidden changed the state');
    }
    if (JSON.stringify(c.before) !== frozen) problems.push('applySnapshot shares the frame');
    return { state, problems };
  });
}"""


def reduce_in_chromium(cases: list[dict], script: str = JS_CHECK):
    """Runs `script` (JS_CHECK by default) over the cases in headless Chromium. Called after the
    database work: the Playwright sync API moves the test into a greenlet, whose ORM connection
    would be another."""
    require_tool("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>state.js</title>")
            return
        file = (STATIC / path.lstrip("/")).resolve()
        if STATIC not in file.parents or not file.is_file():
            route.fulfill(status=404, body="")
            return
        route.fulfill(status=200, content_type="text/javascript", body=file.read_text())

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", serve)
            page.goto(f"{ORIGIN}/")
            return page.evaluate(script, cases)
        finally:
            browser.close()


def test_js_reducer_reaches_the_servers_snapshot_for_every_event_type():
    room = make_room(status="scheduled")
    recorder = Recorder(room)
    run_the_room(recorder)
    cases = recorder.cases

    results = reduce_in_chromium(cases)

    seen = {name for case in cases for name, _ in case["events"]}
    assert seen >= set(EVENTS) | {"hidden"}, sorted(set(EVENTS) - seen)
    assert len(results) == len(cases)
    for case, result in zip(cases, results, strict=True):
        assert result["problems"] == [], case["label"]
        assert normalized(result["state"]) == normalized(case["after"]), case["label"]
    # The quorum the room shows (the server's state.room.quorum, carried to the client by
    # room.updated) is the one the server stored when it closed the last poll (nobody checked in
    # or out since): one rule, meetings/access.py quorum_of.
    final = next(r for c, r in zip(cases, results, strict=True) if c["label"].endswith("/end (chair)"))
    closed = [p for p in final["state"]["polls"] if p["status"] == "closed"]
    stored = closed[-1]["result"]
    figures = final["state"]["room"]["quorum"]
    assert (figures["present"], figures["eligible"], figures["reached"]) == (
        stored["present"], stored["eligible"], stored["quorum"])


def test_js_reducer_catches_a_wrong_state():
    """The comparison can fail: a state the events do not lead to is told apart."""
    room = make_room(status="in_progress", prefix="w")
    recorder = Recorder(room)
    recorder.api(room.chair, "post", f"/meetings/{room.meeting.pk}/current", {"item": room.items[1].pk})
    case = dict(recorder.cases[0])
    case["events"] = []  # drop the events: the state must now differ from snapshot s
    result = reduce_in_chromium([case])[0]
    assert normalized(result["state"]) != normalized(case["after"])


def test_js_declares_the_servers_events_with_the_same_effects():
    from meetings.event_types import protocol

    script = """async () => {
      const { EVENTS } = await import('/meetings/room/state.js');
      return Object.fromEntries(Object.entries(EVENTS).map(([name, [effect, key]]) => [name, { effect, key }]));
    }"""
    assert reduce_in_chromium([], script) == protocol()
