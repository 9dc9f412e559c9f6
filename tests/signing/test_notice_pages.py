"""The conclusion notice's pages: the secretary's forms (draft, the units a conclusion assigns,
edit, submit), the approver's decision, the office's issue; who may open them."""

from __future__ import annotations

from django.test import Client

from ecabinet.models import RegisterEntry
from meetings.models import AgendaItem
from signing.models import ConclusionNotice
from tests.kit import factories as f
from tests.signing.test_notice import NoticeTestCase, pdf_text


class NoticePageTests(NoticeTestCase):
    def page(self, tail: str = "") -> str:
        return f"/meetings/{self.meeting.pk}/notice/{tail}"

    def test_the_secretary_chair_and_office_through_the_pages(self) -> None:
        item = AgendaItem.objects.create(meeting=self.meeting, position=1, title="Kế hoạch đầu tư công")
        secretary = self.client_for(self.secretary)
        page = secretary.get(self.page())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'data-testid="notice-draft"')
        self.assertContains(page, 'data-testid="notice-due"')
        # the conclusion and its units, from the notice page
        saved = secretary.post(self.page("item/"), {"item": item.pk, "text": "Giao Sở Y tế chủ trì.",
                                                    "units": [self.other_unit.pk]})
        self.assertEqual(saved.status_code, 302)
        self.assertEqual(list(item.assigned_units.all()), [self.other_unit])
        self.assertEqual(secretary.post(self.page("item/"), {"item": item.pk, "units": ["x"]}).status_code, 400)
        self.assertEqual(secretary.post(self.page("draft/")).status_code, 302)
        notice = ConclusionNotice.objects.get(meeting=self.meeting)
        self.assertIn("Giao Sở Y tế chủ trì.", notice.body)
        self.assertIn("Đơn vị thực hiện: Sở Y tế.", notice.body)
        page = secretary.get(self.page())
        self.assertContains(page, 'data-testid="notice-body"')
        self.assertContains(page, "THÔNG BÁO")
        preview = secretary.get(self.page("preview.pdf"))
        self.assertEqual(preview.status_code, 200)
        self.assertIn("Giao Sở Y tế chủ trì.", pdf_text(preview.content))
        # a stale save shows the form again with what was typed
        stale = secretary.post(self.page("save/"), {"body": "<p>Bản sửa của tôi</p>", "version": 99})
        self.assertEqual(stale.status_code, 409)
        self.assertContains(stale, "Bản sửa của tôi", status_code=409)
        ok = secretary.post(self.page("save/"), {"body": notice.body + "<p>Thêm đoạn.</p>",
                                                 "version": notice.version, "approver": self.chair.pk})
        self.assertEqual(ok.status_code, 302)
        notice.refresh_from_db()
        self.assertEqual(secretary.post(self.page("submit/"), {"version": notice.version}).status_code, 302)
        # the chair approves from the page; the office issues
        chair = self.client_for(self.chair)
        self.assertContains(chair.get(self.page()), 'data-testid="notice-approve"')
        self.assertEqual(secretary.post(self.page("decide/"), {"approve": "true"}).status_code, 403)
        self.assertEqual(chair.post(self.page("decide/"), {"approve": "true"}).status_code, 302)
        clerk = self.client_for(self.clerk)
        self.assertContains(clerk.get("/"), f'data-testid="notice-issue-{self.meeting.pk}"')
        self.assertContains(clerk.get(self.page()), 'data-testid="notice-issue"')
        self.assertEqual(secretary.post(self.page("issue/")).status_code, 403)
        self.assertEqual(clerk.post(self.page("issue/")).status_code, 302)
        page = clerk.get(self.page())
        self.assertContains(page, "01/TB-UBND")
        self.assertEqual(RegisterEntry.objects.get(kind=RegisterEntry.Kind.NOTICE).number, "01/TB-UBND")
        self.assertEqual(secretary.get(self.page("notice.pdf")).status_code, 200)
        # the meeting page lists the signed notice among its documents
        detail = secretary.get(f"/meetings/{self.meeting.pk}/")
        self.assertContains(detail, "Thông báo số 01/TB-UBND")

    def test_who_may_open_the_page(self) -> None:
        self.assertEqual(self.client_for(self.member).get(self.page()).status_code, 403)
        self.assertEqual(self.client_for(self.outsider).get(self.page()).status_code, 404)
        self.assertEqual(Client().get(self.page()).status_code, 302)
        self.assertEqual(Client().post(self.page("draft/")).status_code, 302)
        self.assertEqual(self.client_for(self.member).post(self.page("draft/")).status_code, 403)
        self.assertEqual(self.client_for(self.secretary).post(self.page("nonsense/")).status_code, 404)
        self.assertEqual(self.client_for(self.secretary).get(self.page("preview.pdf")).status_code, 404)
        self.assertEqual(self.client_for(self.secretary).get(self.page("notice.pdf")).status_code, 404)
        self.assertEqual(self.client_for(self.clerk).get(self.page()).status_code, 200)
        running = f.make_meeting(by=self.secretary, title="Đang chuẩn bị", unit=self.committee, chair=self.chair)
        self.assertEqual(self.client_for(self.secretary).get(f"/meetings/{running.pk}/notice/").status_code, 409)

    def test_page_fits_a_phone(self) -> None:
        self.client_for(self.secretary).post(self.page("draft/"))
        html = self.client_for(self.secretary).get(self.page()).content.decode()
        self.assertIn('name="viewport"', html)
        self.assertNotIn("style=", html)  # the CSP: no inline style
