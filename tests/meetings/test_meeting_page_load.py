"""Issue 13, pages that hold a committee: the meeting page's cached parts and the people lookup
that replaced the page's list of every active user; the watermark's per-viewer part."""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from django.test import Client

from ecabinet.models import User
from meetings import watermark
from meetings.templatetags.fragments import CSRF_SLOT
from tests.kit import factories
from tests.kit.cases import PrepTestCase
from tests.kit.files import make_pdf
from tests.kit.users import make_user

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def lookup(meeting_id: int, q: str) -> str:
    return f"/api/v1/meetings/{meeting_id}/people?q={q}"


class PeopleLookupTests(PrepTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.schedule()  # invitations sent: the member sees the meeting

    def test_the_runner_and_a_participant_find_people_by_name_or_username(self):
        for user in (self.owner, self.member):
            response = self.api("get", lookup(self.meeting.pk, "Phạm Thị"), user=user)
            self.assertEqual(response.status_code, 200, response.content[:300])
            self.assertEqual([p["username"] for p in response.json()], [self.member2.username])
            self.assertEqual(response.json()[0]["full_name"], "Phạm Thị Hai")
        found = self.api("get", lookup(self.meeting.pk, self.deputy.username), user=self.owner).json()
        self.assertEqual([p["username"] for p in found], [self.deputy.username])

    def test_at_most_twenty_and_never_the_inactive(self):
        User.objects.bulk_create([User(username=f"trungten{n}", full_name=f"Người Trùng Tên {n}") for n in range(30)])
        make_user("nghiviec", full_name="Người Trùng Tên Đã Nghỉ").__class__.objects.filter(
            username="nghiviec").update(is_active=False)
        found = self.api("get", lookup(self.meeting.pk, "Trùng Tên"), user=self.owner).json()
        self.assertEqual(len(found), 20)
        self.assertNotIn("nghiviec", [p["username"] for p in found])
        self.assertEqual(self.api("get", lookup(self.meeting.pk, ""), user=self.owner).json(), [])

    def test_who_may_not_look_up(self):
        # Only those who see the meeting (its runners and invited participants) look people up.
        error = self.assert_error(self.api("get", lookup(self.meeting.pk, "Hai"), user=self.outsider,
                                           HTTP_ACCEPT_LANGUAGE="vi"), 404, "not_found")
        self.assertEqual(error["message"], "Không tìm thấy cuộc họp.")
        self.assert_error(self.api("get", lookup(self.meeting.pk, "Hai"), user=self.member2), 404)  # not invited
        self.assert_error(self.api("get", lookup(self.meeting.pk, "Hai")), 401)

    def test_a_long_question_is_a_clear_error(self):
        error = self.assert_error(self.api("get", lookup(self.meeting.pk, "a" * 101), user=self.owner,
                                           HTTP_ACCEPT_LANGUAGE="vi"), 400)
        self.assertIn("100", str(error))


class MeetingPageTests(PrepTestCase):
    def page(self, user: User, client: Client | None = None) -> bytes:
        response = (client or self.client_for(user)).get(f"/meetings/{self.meeting.pk}/")
        self.assertEqual(response.status_code, 200)
        return response.content

    def test_the_page_lists_no_one_and_points_its_fields_at_the_lookup(self):
        self.schedule()
        for user in (self.owner, self.member):
            html = self.page(user)
            self.assertIn(f'<datalist id="people" data-url="/api/v1/meetings/{self.meeting.pk}/people"></datalist>'.encode(), html)
            self.assertNotIn(self.deputy.username.encode(), html)  # not invited: not on the page

    def test_cached_parts_carry_each_viewers_own_token_and_the_forms_work(self):
        first, second = self.client_for(self.owner), self.client_for(self.owner)
        for client in (first, second):
            html = self.page(self.owner, client)
            self.assertNotIn(CSRF_SLOT.encode(), html)
            tokens = set(TOKEN.findall(html))
            self.assertEqual(len(tokens), 1, "every form of the page carries this request's token")
        # A form from the cached participant table, posted with CSRF checks on.
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.owner)
        html = strict.get(f"/meetings/{self.meeting.pk}/").content
        token = TOKEN.findall(html)[0].decode()
        participant = self.meeting.participants.get(user=self.member)
        response = strict.post(f"/meetings/{self.meeting.pk}/participants/{participant.pk}/",
                               {"csrfmiddlewaretoken": token, "role": "member", "seat": "A3"})
        self.assertEqual(response.status_code, 302, response.content[:300])
        participant.refresh_from_db()
        self.assertEqual(participant.seat, "A3")

    def test_a_change_shows_at_once_and_editors_and_readers_get_their_own_parts(self):
        self.schedule()
        self.assertNotIn(b"Ph\xe1\xba\xa1m Th\xe1\xbb\x8b Hai", self.page(self.member))
        self.assertIn(b'data-testid="remove-person"', self.page(self.owner))
        self.assertNotIn(b'data-testid="remove-person"', self.page(self.member))  # not the editor's copy
        factories.add_participant(self.meeting, self.member2, by=self.owner)
        for user in (self.owner, self.member):
            self.assertIn("Phạm Thị Hai".encode(), self.page(user))
        self.assertNotIn(b'data-testid="remove-person"', self.page(self.member))

    def test_the_editors_tools_are_sent_once_with_each_rows_values(self):
        # The page's script puts one copy of the tools in each row (prep.js); each row carries
        # only its values. A second item and person must not add a form.
        factories.add_participant(self.meeting, self.member2, by=self.owner)
        factories.add_item(self.meeting, "Tờ trình \"ngân sách\" 2027", by=self.owner)
        owner_html = self.page(self.owner).decode()
        self.assertEqual(owner_html.count('data-testid="remove-person"'), 1)
        self.assertEqual(owner_html.count('data-testid="remove-item"'), 1)
        forms = owner_html.count("<form")
        participant = self.meeting.participants.get(user=self.member2)
        self.assertIn(f'<tr data-participant-id="{participant.pk}"', owner_html)
        self.assertIn(f'data-tools="participant" data-role="{participant.role}" data-seat="{participant.seat}" '
                      f'data-name="{self.member2.full_name}"', owner_html)
        self.assertIn('data-tools="agenda-item" data-title="Tờ trình &quot;ngân sách&quot; 2027"', owner_html)
        factories.add_participant(self.meeting, self.deputy, by=self.owner)
        factories.add_item(self.meeting, "Nội dung thêm", by=self.owner)
        self.assertEqual(self.page(self.owner).decode().count("<form"), forms)
        self.schedule()
        member_html = self.page(self.member).decode()
        for tools in ('id="participant-tools"', 'id="agenda-item-tools"', "data-tools="):
            self.assertNotIn(tools, member_html)

    def test_forbidden_viewers(self):
        self.assertEqual(self.client_for(self.outsider).get(f"/meetings/{self.meeting.pk}/").status_code, 404)
        anonymous = self.client.get(f"/meetings/{self.meeting.pk}/")
        self.assertEqual(anonymous.status_code, 302)


class WatermarkPartsTests(PrepTestCase):
    def stamp(self, name: str, when: datetime) -> bytes:
        out = io.BytesIO()
        watermark.watermark_pdf(io.BytesIO(make_pdf(2)), full_name=name, unit="Sở Tài chính", when=when, out=out)
        return out.getvalue()

    def test_the_viewers_part_is_drawn_once_and_the_time_each_minute(self):
        watermark._viewer_overlay.cache_clear()
        watermark._time_overlay.cache_clear()
        first = self.stamp("Nguyễn Văn Đọc", datetime(2026, 12, 1, 9, 5))
        later = self.stamp("Nguyễn Văn Đọc", datetime(2026, 12, 1, 9, 6))
        self.assertEqual(watermark._viewer_overlay.cache_info().misses, 1)
        self.assertEqual(watermark._viewer_overlay.cache_info().hits, 1)
        self.assertEqual(watermark._time_overlay.cache_info().misses, 2)
        for data, minute in ((first, "09:05"), (later, "09:06")):
            text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                                           capture_output=True, check=True).stdout.decode().split())
            self.assertIn(f"Bản của: Nguyễn Văn Đọc – Sở Tài chính · {minute} 01/12/2026 · eCabinet", text)

    def text_of(self, data: bytes) -> str:
        return " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                                       capture_output=True, check=True).stdout.decode().split())

    def test_a_vietnamese_stamp_is_drawn_from_the_small_font_any_other_letter_from_the_whole(self):
        small = [str(font.ttffile) for font in watermark._canvas("Nguyễn Văn Đọc – Sở Tài chính").fonts.values()]
        self.assertTrue(all("-stamp-" in path for path in small), small)
        self.assertEqual(len(small), 2)
        whole = [str(font.ttffile) for font in watermark._canvas("Nguyễn Văn Δημήτρης").fonts.values()]
        self.assertEqual(sorted(whole), sorted([watermark.FONT_REGULAR, watermark.FONT_BOLD]))
        # Either way every letter is in the copy, as pdftotext reads it back.
        text = self.text_of(self.stamp("Δημήτρης Nguyễn Đọc", datetime(2026, 12, 1, 9, 5)))
        self.assertIn("Bản của: Δημήτρης Nguyễn Đọc – Sở Tài chính · 09:05 01/12/2026 · eCabinet", text)

    def test_the_small_font_is_built_once_and_kept(self):
        path = watermark._stamp_font(watermark.FONT_REGULAR)
        built = os.stat(path).st_mtime_ns
        watermark._stamp_font.cache_clear()  # as a new process would
        self.assertEqual(watermark._stamp_font(watermark.FONT_REGULAR), path)
        self.assertEqual(os.stat(path).st_mtime_ns, built)
        self.assertLess(os.path.getsize(path), os.path.getsize(watermark.FONT_REGULAR) / 2)

    def test_where_the_small_font_cannot_be_written_the_whole_font_is_used(self):
        watermark._stamp_font.cache_clear()
        self.addCleanup(watermark._stamp_font.cache_clear)
        with tempfile.TemporaryDirectory() as var:
            blocker = Path(var) / "fonts"
            blocker.write_text("not a folder")  # mkdir fails as it would on a read-only disk
            with self.settings(VAR_DIR=Path(var)):
                self.assertEqual(watermark._stamp_font(watermark.FONT_BOLD), watermark.FONT_BOLD)
                watermark._viewer_overlay.cache_clear()
                text = self.text_of(self.stamp("Nguyễn Văn Đọc", datetime(2026, 12, 1, 9, 7)))
        self.assertIn("Bản của: Nguyễn Văn Đọc – Sở Tài chính · 09:07 01/12/2026 · eCabinet", text)
