"""The meeting page and the API detail read a fixed number of queries, whatever the meeting's size."""

from __future__ import annotations

import hashlib
import itertools

from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from ecabinet.menu_counts import menu_counts_key, unread_key
from ecabinet.models import User
from meetings.models import AgendaItem, Document, DocumentVersion, Meeting, Participant
from meetings.selectors import forget_kept_in_process, kept_key
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.users import make_user

# Pinned: if a change adds a query per row, these fail on the big meeting.
# The first viewer reads the meeting's agenda, participants, documents and their versions
# (4 queries) into the cache (meetings/selectors.py meeting_rows); everyone after them reads none
# of them until those rows change.
ROWS_QUERIES = 4
PAGE_ROWS_QUERIES = ROWS_QUERIES + 1  # and the invitations, kept under the meeting's revision (signing tag)
PAGE_QUERIES_RUNNER = 16  # the meeting with its type and room (meeting_access(related=)); (the session from the cache: SESSION_ENGINE cached_db) + the ids of the documents this viewer sees (the rows are shared); (issue 13: no list of every active user, the people lookup instead) + the rights: 2 permission reads, the unit and its subtree (access.py); + the nav's open tasks (follow-up)
PAGE_QUERIES_MEMBER = 14  # the meeting with its type and room; (the session from the cache) + the ids of the documents this viewer sees; + 2 permission reads and the unit (access.py); + the nav's open tasks (follow-up)
API_QUERIES = 13  # (the session from the cache) + the ids of the documents this viewer sees; + 2 permission reads, the unit and its subtree; + the polls of the meeting (meetings.selectors_room.polls_for)

SERIAL = itertools.count(1)


def grow(meeting, *, items: int, documents: int, participants: int, uploader: User) -> None:
    """Make `meeting` as big as asked with bulk inserts."""
    start = meeting.agenda_items.count()
    AgendaItem.objects.bulk_create([
        AgendaItem(meeting=meeting, position=start + n + 1, title=f"Nội dung số {n + 1}", duration_minutes=10,
                   presenter=uploader, presenting_unit=uploader.unit)
        for n in range(items)
    ])
    agenda = list(meeting.agenda_items.all())
    docs = Document.objects.bulk_create([
        Document(meeting=meeting, agenda_item=agenda[n % len(agenda)], title=f"Tài liệu {n + 1}",
                 status=Document.Status.RELEASED, uploaded_by=uploader)
        for n in range(documents)
    ])
    DocumentVersion.objects.bulk_create([
        DocumentVersion(document=d, number=v, file=f"documents/x/{d.pk}-{v}.pdf",
                        sha256=hashlib.sha256(f"{d.pk}-{v}".encode()).hexdigest(), size=1000, pages=12,
                        created_by=uploader)
        for d in docs for v in (1, 2)
    ])
    users = User.objects.bulk_create([
        User(username=f"daibieu{next(SERIAL)}", full_name=f"Đại biểu {n}", unit=uploader.unit, email=f"db{n}@example.gov.vn")
        for n in range(participants)
    ])
    Participant.objects.bulk_create([
        Participant(meeting=meeting, user=u, role="member", seat=f"{'ABCDEF'[n // 10]}{n % 10 + 1}" if participants > 10 and n < 60 else "")
        for n, u in enumerate(users)
    ])
    # Bulk inserts bypass the actions: move the revision as every real change does.
    Meeting.objects.filter(pk=meeting.pk).update(revision=F("revision") + 1, participants_revision=F("revision") + 1,
                                                 documents_revision=F("revision") + 1)
    meeting.refresh_from_db(fields=["revision", "participants_revision", "documents_revision"])


class FixedQueryTests(PrepTestCase):
    def forget_kept(self) -> None:
        """As for the first viewer: nothing kept of this meeting's rows or the menu's counts.
        Only this test's keys: a whole cache.clear() would empty a Redis another worker shares."""
        self.meeting.refresh_from_db()
        forget_kept_in_process()
        cache.delete_many([kept_key(self.meeting, "agenda", self.meeting.revision),
                           kept_key(self.meeting, "participants", self.meeting.participants_revision),
                           kept_key(self.meeting, "documents", self.meeting.documents_revision),
                           kept_key(self.meeting, "invitations", self.meeting.revision),
                           *(key(u) for u in (self.owner, self.member) for key in (menu_counts_key, unread_key))])

    def count(self, client, path: str) -> int:
        self.forget_kept()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        self.assertEqual(response.status_code, 200, response.content[:300])
        return len(ctx.captured_queries)

    def test_small_and_big_meetings_cost_the_same(self):
        self.schedule()
        grow(self.meeting, items=0, documents=1, participants=2, uploader=self.owner)
        owner, member = self.client_for(self.owner), self.client_for(self.member)
        page = f"/meetings/{self.meeting.pk}/"
        small = (self.count(owner, page), self.count(member, page), self.count(owner, self.url()))
        grow(self.meeting, items=49, documents=199, participants=75, uploader=self.owner)
        self.assertEqual(self.meeting.agenda_items.count(), 50)
        self.assertEqual(self.meeting.participants.count(), 80)
        big = (self.count(owner, page), self.count(member, page), self.count(owner, self.url()))
        self.assertEqual(small, big)

    def test_pinned_counts_for_50_items_200_documents_80_participants(self):
        self.schedule()
        grow(self.meeting, items=49, documents=200, participants=77, uploader=self.owner)
        owner, member = self.client_for(self.owner), self.client_for(self.member)
        page = f"/meetings/{self.meeting.pk}/"
        with self.assertNumQueries(PAGE_QUERIES_RUNNER):
            response = owner.get(page)
        self.assertEqual(response.content.decode().count('data-testid="agenda-item"'), 50)
        self.assertEqual(response.content.decode().count("data-participant-id="), 80)
        self.assertEqual(response.content.decode().count("data-document-id="), 200)
        # The rows are kept now; so are the menu's counts, but they are this member's first.
        with self.assertNumQueries(PAGE_QUERIES_MEMBER - PAGE_ROWS_QUERIES):
            response = member.get(page)
        self.assertEqual(response.content.decode().count('data-testid="agenda-item"'), 50)
        self.assertEqual(response.content.decode().count("data-participant-id="), 80)
        with self.assertNumQueries(API_QUERIES - ROWS_QUERIES):  # the API shows no menu
            data = owner.get(self.url()).json()
        self.assertEqual((len(data["agenda"]), len(data["documents"]), len(data["participants"])), (50, 200, 80))
        self.assertEqual(data["documents"][0]["version"], 2)
        self.forget_kept()
        with self.assertNumQueries(PAGE_QUERIES_MEMBER):
            member.get(page)
        self.forget_kept()
        with self.assertNumQueries(API_QUERIES):
            owner.get(self.url())


class KeptRowsFollowChanges(PrepTestCase):
    """The rows kept between views (meetings/selectors.py meeting_rows) are read again exactly
    when they change, through any action: the room's moves read the agenda again, and keep the
    participants and documents."""

    def test_changes_show_at_once_and_moves_keep_the_rows(self):
        self.schedule()
        owner = self.client_for(self.owner)
        first = owner.get(self.url()).json()
        newcomer = make_user("nguoimoi", full_name="Người Mới", unit=self.department)
        factories.add_participant(self.meeting, newcomer, by=self.owner)
        data = owner.get(self.url()).json()
        self.assertEqual(len(data["participants"]), len(first["participants"]) + 1)
        self.assertIn("nguoimoi", [p["username"] for p in data["participants"]])
        document = factories.upload_document(self.meeting, by=self.owner, title="Tờ trình bổ sung")
        data = owner.get(self.url()).json()
        self.assertIn(document.pk, [d["id"] for d in data["documents"]])
        # A member does not see a document kept for the runners until it is released.
        member_docs = [d["id"] for d in self.client_for(self.member).get(self.url()).json()["documents"]]
        self.assertEqual(document.status == Document.Status.RELEASED, document.pk in member_docs)
        # The room moves the current item: a new revision, the agenda read again (its statuses
        # moved), the same participants and documents.
        self.meeting = factories.start_meeting(self.meeting, by=self.owner)
        owner.get(self.url())
        with CaptureQueriesContext(connection) as warm:
            owner.get(self.url())
        factories.set_current_item(self.meeting, self.meeting.agenda_items.first(), by=self.owner)
        with CaptureQueriesContext(connection) as moved:
            data = owner.get(self.url()).json()
        self.assertEqual(len(moved.captured_queries), len(warm.captured_queries) + 1)
        self.assertEqual(data["current_item"], self.meeting.agenda_items.first().pk)
        self.assertEqual(data["agenda"][0]["status"], "current")
        with CaptureQueriesContext(connection) as again:
            owner.get(self.url())
        self.assertEqual(len(again.captured_queries), len(warm.captured_queries))
