"""Help inside the system (issue 12, part 6; tender fn4): the user guide per role, its editor for
system administrators, its files, the Help link of every page, the first-time tour, the seed."""

from __future__ import annotations

import io
import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from ecabinet.actions_help import do_add_help_file, do_create_help_page, do_mark_tour_seen
from ecabinet.help import TOUR_SESSION_KEY, topic_for
from ecabinet.help_seed import PAGES, seed_help
from ecabinet.models import AuditEvent, HelpFile, HelpPage, TourSeen
from ecabinet.roles import LEADER
from ecabinet.schemas import HelpPageIn
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf, png_bytes
from tests.kit.users import PASSWORD, make_user


def page_data(**over) -> dict:
    data = {"title": "Hướng dẫn điểm danh", "audience": "member", "topic": "room", "summary": "Điểm danh bằng mã QR",
            "body": "<p>Quét mã <strong>QR</strong></p><script>alert(1)</script>", "position": "10",
            "videos": "Video điểm danh|https://video.example.gov.vn/diem-danh\nhttps://video.example.gov.vn/2",
            "published": "on"}
    data.update(over)
    return data


def make_page(actor, **over) -> HelpPage:
    fields = {"title": "Trang", "audience": "everyone", "topic": "general", "published": True, **over}
    return do_create_help_page(actor=actor, data=HelpPageIn(**fields))


class HelpTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("unitadmin", unit=cls.department, full_name="Đỗ Quản Lý", is_unit_admin=True)
        cls.leader = make_user("leader", unit=cls.committee, full_name="Nguyễn Lãnh Đạo", roles=(LEADER,))
        cls.everyone_page = make_page(cls.admin, title="Bắt đầu", audience="everyone", topic="general")
        cls.member_page = make_page(cls.admin, title="Đại biểu vào phòng họp", audience="member", topic="room")
        cls.organiser_page = make_page(cls.admin, title="Thư ký chuẩn bị họp", audience="organiser", topic="meetings")
        cls.leader_page = make_page(cls.admin, title="Chủ trì điều hành", audience="leader", topic="room")
        cls.admin_page = make_page(cls.admin, title="Quản trị", audience="system_admin", topic="administration")
        cls.draft = make_page(cls.admin, title="Nháp", audience="everyone", topic="general", published=False)


class EditorTests(HelpTestCase):
    def test_an_administrator_creates_a_page(self):
        before = AuditEvent.objects.filter(action__startswith="help.").count()
        response = self.client_for(self.admin).post("/help/new/", page_data())
        page = HelpPage.objects.get(title="Hướng dẫn điểm danh")
        self.assertRedirects(response, f"/help/{page.pk}/edit/", fetch_redirect_response=False)
        self.assertEqual((page.audience, page.topic, page.position, page.published), ("member", "room", 10, True))
        self.assertEqual(page.body, "<p>Quét mã <strong>QR</strong></p>")  # the rich-text subset only
        self.assertEqual(page.videos, ["Video điểm danh|https://video.example.gov.vn/diem-danh",
                                       "https://video.example.gov.vn/2"])
        row = AuditEvent.objects.get(action="help.create", object_id=str(page.pk))
        self.assertEqual(row.actor, self.admin)
        self.assertEqual(AuditEvent.objects.filter(action__startswith="help.").count(), before + 1)
        view = self.client_for(self.member).get(f"/help/{page.pk}/")
        self.assertContains(view, 'href="https://video.example.gov.vn/diem-danh"')
        self.assertContains(view, "<strong>QR</strong>")
        self.assertNotContains(view, "<iframe")

    def test_nobody_else_writes_the_guide(self):
        count = HelpPage.objects.count()
        for user in (self.member, self.owner, self.unit_admin, self.guest, self.leader):
            client = self.client_for(user)
            for url in ("/help/new/", f"/help/{self.member_page.pk}/edit/"):
                response = client.post(url, page_data(title="Sửa trộm"))
                self.assertEqual(response.status_code, 403, (user, url))
                self.assertContains(response, "Chỉ quản trị hệ thống mới được soạn hướng dẫn sử dụng.", status_code=403)
            self.assertEqual(client.post(f"/help/{self.member_page.pk}/delete/").status_code, 403)
            self.assertEqual(client.get("/help/new/").status_code, 403)
        anonymous = Client().post("/help/new/", page_data())
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/login/", anonymous["Location"])
        self.assertEqual(HelpPage.objects.count(), count)
        self.member_page.refresh_from_db()
        self.assertEqual(self.member_page.title, "Đại biểu vào phòng họp")
        self.assertFalse(AuditEvent.objects.filter(action="help.create", actor__in=[self.member, self.owner]).exists())

    def test_bad_input_is_refused_on_the_form(self):
        count = HelpPage.objects.count()
        client = self.client_for(self.admin)
        for data, text in ((page_data(title=""), "Trường này là bắt buộc."),
                           (page_data(videos="http://video.example.gov.vn/x"), "phải là một địa chỉ https://"),
                           (page_data(videos="javascript:alert(1)"), "phải là một địa chỉ https://"),
                           (page_data(audience="everybody"), "Chọn một trong các giá trị được đưa ra."),
                           (page_data(topic="nowhere"), "Chọn một trong các giá trị được đưa ra."),
                           (page_data(position="-1"), "")):
            response = client.post("/help/new/", data)
            self.assertEqual(response.status_code, 400, data)
            self.assertContains(response, text, status_code=400)
        self.assertEqual(HelpPage.objects.count(), count)

    def test_edit_and_delete(self):
        client = self.client_for(self.admin)
        response = client.post(f"/help/{self.member_page.pk}/edit/", page_data(title="Đại biểu: điểm danh", published=""))
        self.assertEqual(response.status_code, 302)
        self.member_page.refresh_from_db()
        self.assertEqual(self.member_page.title, "Đại biểu: điểm danh")
        self.assertFalse(self.member_page.published)
        do_add_help_file(self.member_page, actor=self.admin, upload=SimpleUploadedFile("a.png", png_bytes()))
        response = client.post(f"/help/{self.member_page.pk}/delete/")
        self.assertRedirects(response, "/help/", fetch_redirect_response=False)
        self.assertFalse(HelpPage.objects.filter(pk=self.member_page.pk).exists())
        self.assertFalse(HelpFile.objects.filter(page_id=self.member_page.pk).exists())
        row = AuditEvent.objects.get(action="help.delete", object_id=str(self.member_page.pk))
        self.assertEqual(row.details["files"], 1)


class ReadingTests(HelpTestCase):
    def test_each_role_reads_the_pages_of_its_audiences(self):
        expected = {
            "member": {self.everyone_page, self.member_page},
            "guest": {self.everyone_page, self.member_page},
            "owner": {self.everyone_page, self.member_page, self.organiser_page},
            "leader": {self.everyone_page, self.member_page, self.leader_page},
            # a unit administrator runs their units' meetings (run_meeting): the secretaries' pages too
            "unit_admin": {self.everyone_page, self.member_page, self.organiser_page, self.admin_page},
        }
        every = [self.everyone_page, self.member_page, self.organiser_page, self.leader_page, self.admin_page,
                 self.draft]
        for name, pages in expected.items():
            client = self.client_for(getattr(self, name))
            for page in every:
                status = client.get(f"/help/{page.pk}/").status_code
                self.assertEqual(status, 200 if page in pages else 404, (name, page.title))
            index = client.get("/help/")
            shown = {p for p in every if f'data-page="{p.pk}"' in index.content.decode()}
            self.assertEqual(shown, pages, name)
        admin = self.client_for(self.admin)
        for page in every:  # drafts too
            self.assertEqual(admin.get(f"/help/{page.pk}/").status_code, 200)
        self.assertContains(admin.get("/help/"), "bản nháp")
        self.assertEqual(Client().get("/help/").status_code, 302)
        self.assertEqual(Client().get(f"/help/{self.everyone_page.pk}/").status_code, 302)

    def test_the_index_runs_a_fixed_number_of_queries(self):
        client = self.client_for(self.member)
        client.get("/help/")
        for n in range(5):
            make_page(self.admin, title=f"Thêm {n}", audience="member", topic="documents")
        with self.assertNumQueries(5):  # the menu's to-do and unread counts kept from the first view, the session cached
            response = client.get("/help/")
        self.assertContains(response, "Thêm 4")

    def test_the_help_link_of_every_page_opens_its_topic(self):
        response = self.client_for(self.member).get("/meetings/")
        self.assertContains(response, 'href="/help/topic/meetings/"')
        self.assertContains(response, ">Trợ giúp<")
        self.assertContains(self.client_for(self.member).get("/notifications/"), 'href="/help/topic/notifications/"')
        self.assertContains(self.client_for(self.member).get("/help/"), 'href="/help/topic/general/"')
        self.assertEqual(topic_for("meeting_room"), "room")
        self.assertEqual(topic_for("signing_minutes"), "minutes")
        self.assertEqual(topic_for("signing_document"), "signing")
        self.assertEqual(topic_for("opinion_detail"), "opinions")
        self.assertEqual(topic_for("document_view"), "documents")
        self.assertEqual(topic_for("meeting_detail"), "meetings")
        self.assertEqual(topic_for("followup_board"), "followup")
        self.assertEqual(topic_for("something_else"), "general")
        self.assertEqual(topic_for(None), "general")
        self.assertNotContains(Client().get("/login/"), "/help/topic/")

    def test_a_topic_opens_the_page_for_the_viewers_roles(self):
        # one page of the room for a member: straight to it
        response = self.client_for(self.member).get("/help/topic/room/")
        self.assertRedirects(response, f"/help/{self.member_page.pk}/", fetch_redirect_response=False)
        # a leader has the leaders' page and the members' page: both, the leaders' first
        response = self.client_for(self.leader).get("/help/topic/room/")
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertLess(text.index(f'data-page="{self.leader_page.pk}"'), text.index(f'data-page="{self.member_page.pk}"'))
        # nothing for the member on the meetings: the index, with a message
        response = self.client_for(self.member).get("/help/topic/meetings/", follow=True)
        self.assertEqual(response.redirect_chain[-1][0], "/help/")
        self.assertContains(response, "Chưa có trang hướng dẫn về nội dung này")
        self.assertEqual(self.client_for(self.member).get("/help/topic/nowhere/").status_code, 404)


class FileTests(HelpTestCase):
    def test_images_and_pdfs_through_the_intake_and_one_delivery(self):
        client = self.client_for(self.admin)
        response = client.post(f"/help/{self.member_page.pk}/files/",
                               {"file": SimpleUploadedFile("diem-danh.png", png_bytes(mode="RGB")), "title": "Màn hình điểm danh"})
        self.assertEqual(response.status_code, 302)
        jpeg = io.BytesIO()
        from PIL import Image

        Image.new("RGB", (64, 48), (200, 10, 10)).save(jpeg, format="JPEG")
        client.post(f"/help/{self.member_page.pk}/files/", {"file": SimpleUploadedFile("anh.jpg", jpeg.getvalue())})
        client.post(f"/help/{self.member_page.pk}/files/",
                    {"file": SimpleUploadedFile("huong-dan.pdf", make_pdf(2, "Hướng dẫn")), "title": "Sổ tay đại biểu"})
        png, jpg, pdf = HelpFile.objects.filter(page=self.member_page).order_by("pk")
        self.assertEqual((png.kind, png.content_type, jpg.content_type, pdf.kind), ("image", "image/png", "image/jpeg", "pdf"))
        page = self.client_for(self.member).get(f"/help/{self.member_page.pk}/")
        self.assertContains(page, f'src="/help/files/{png.pk}/"')
        self.assertContains(page, f'href="/help/files/{pdf.pk}/"')
        image = self.client_for(self.member).get(f"/help/files/{png.pk}/")
        self.assertEqual((image.status_code, image["Content-Type"]), (200, "image/png"))
        self.assertEqual(image["X-Content-Type-Options"], "nosniff")
        served = self.client_for(self.member).get(f"/help/files/{pdf.pk}/")
        self.assertEqual(served["Content-Type"], "application/pdf")
        self.assertEqual(served["X-Ecabinet-Delivery"], "original")
        self.assertEqual(served["Cache-Control"], "no-store, private")
        self.assertTrue(served.content.startswith(b"%PDF"))
        row = AuditEvent.objects.filter(action="help.download", actor=self.member).get()
        self.assertEqual(row.details["path"], f"/help/files/{pdf.pk}/")
        # a file of a page the reader may not read is unknown
        hidden = do_add_help_file(self.organiser_page, actor=self.admin, upload=SimpleUploadedFile("x.png", png_bytes()))
        self.assertEqual(self.client_for(self.member).get(f"/help/files/{hidden.pk}/").status_code, 404)
        self.assertEqual(self.client_for(self.owner).get(f"/help/files/{hidden.pk}/").status_code, 200)
        self.assertEqual(Client().get(f"/help/files/{png.pk}/").status_code, 302)

    def test_bad_files_write_nothing(self):
        client = self.client_for(self.admin)
        before = (HelpFile.objects.count(), AuditEvent.objects.filter(action__startswith="help.").count())
        for upload, status, text in (
            (SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a picture"), 415, "không phải PDF"),
            (SimpleUploadedFile("hong.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), 400, "Hình ảnh bị hỏng"),
            (SimpleUploadedFile("hong.pdf", b"%PDF-1.7\n garbage"), 400, "bị hỏng"),
            (SimpleUploadedFile("rong.pdf", b""), 400, "Tệp rỗng"),
        ):
            response = client.post(f"/help/{self.member_page.pk}/files/", {"file": upload})
            self.assertEqual(response.status_code, status, upload.name)
            self.assertContains(response, text, status_code=status)
        self.assertEqual(client.post(f"/help/{self.member_page.pk}/files/", {}).status_code, 400)
        self.assertEqual((HelpFile.objects.count(), AuditEvent.objects.filter(action__startswith="help.").count()), before)

    def test_only_administrators_add_or_remove_files(self):
        row = do_add_help_file(self.member_page, actor=self.admin, upload=SimpleUploadedFile("a.png", png_bytes()))
        for user in (self.member, self.owner, self.unit_admin, self.guest):
            client = self.client_for(user)
            response = client.post(f"/help/{self.member_page.pk}/files/", {"file": SimpleUploadedFile("b.png", png_bytes())})
            self.assertEqual(response.status_code, 403)
            self.assertEqual(client.post(f"/help/files/{row.pk}/remove/").status_code, 403)
        self.assertEqual(HelpFile.objects.count(), 1)
        self.assertEqual(self.client_for(self.admin).post(f"/help/files/{row.pk}/remove/").status_code, 302)
        self.assertFalse(HelpFile.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="help.file_remove", object_id=str(row.pk)).exists())


class TourTests(HelpTestCase):
    def sign_in(self, user) -> Client:
        client = Client()
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
        self.assertEqual(response.status_code, 302)
        return client

    def test_offered_after_signing_in_until_seen(self):
        client = self.sign_in(self.member)
        self.assertTrue(client.session[TOUR_SESSION_KEY])
        home = client.get("/")
        self.assertContains(home, 'id="help-tour-steps"')
        steps = json.loads(re.search(r'id="help-tour-steps" type="application/json">(.*?)</script>',
                                     home.content.decode(), re.S).group(1))
        self.assertEqual(steps[0]["title"], "Chào mừng đồng chí đến với eCabinet")
        self.assertEqual(len(steps), 5)
        self.assertContains(home, "driverjs/driver.js.mjs")
        self.assertNotContains(client.get("/meetings/"), 'id="help-tour-steps"')  # the home page only
        response = client.post("/api/v1/me/tour", {"finished": True}, content_type="application/json")
        self.assertEqual(response.json(), {"seen": True, "finished": True})
        self.assertNotContains(client.get("/"), 'id="help-tour-steps"')
        # signing in again: not offered again
        self.assertNotContains(self.sign_in(self.member).get("/"), 'id="help-tour-steps"')
        # asked for from the help index: shown again
        self.assertContains(client.get("/?tour=1"), 'id="help-tour-steps"')
        self.assertContains(client.get("/help/"), 'href="/?tour=1"')

    def test_marking_seen_is_once_and_only_for_oneself(self):
        client = self.client_for(self.guest)
        self.assertEqual(client.post("/api/v1/me/tour", {"finished": False}, content_type="application/json").status_code, 200)
        self.assertEqual(client.post("/api/v1/me/tour", {"finished": False}, content_type="application/json").status_code, 200)
        self.assertEqual(TourSeen.objects.filter(user=self.guest).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="help.tour_seen", actor=self.guest).count(), 1)
        self.assertFalse(TourSeen.objects.get(user=self.guest).finished)
        do_mark_tour_seen(actor=self.guest, finished=True)
        self.assertTrue(TourSeen.objects.get(user=self.guest).finished)
        anonymous = Client().post("/api/v1/me/tour", {"finished": True}, content_type="application/json")
        self.assertEqual(anonymous.status_code, 401)
        bad = client.post("/api/v1/me/tour", {"finished": "perhaps", "user": 1}, content_type="application/json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(TourSeen.objects.count(), 1)

    def test_not_offered_without_signing_in_through_the_form(self):
        # a session made otherwise (tests, single sign-on) never sees it unasked: no query either
        client = self.client_for(self.member)
        self.assertNotContains(client.get("/"), 'id="help-tour-steps"')


class SeedTests(BaseTestCase):
    def test_the_guide_is_seeded_once_per_role(self):
        out = io.StringIO()
        call_command("seed_help", stdout=out)
        self.assertIn(f"help pages created: {len(PAGES)}", out.getvalue())
        self.assertEqual(HelpPage.objects.filter(published=True).count(), len(PAGES))
        self.assertEqual(set(HelpPage.objects.values_list("audience", flat=True)),
                         {"everyone", "member", "organiser", "leader", "system_admin"})
        self.assertTrue(AuditEvent.objects.filter(action="help.seed", actor=None).exists())
        self.assertEqual(seed_help(), 0)  # a guide with pages is the administrators'
        HelpPage.objects.filter(key="ky-so").delete()
        self.assertEqual(seed_help(), 0)
        self.assertEqual(seed_help(force=True), 1)
        for page in HelpPage.objects.all():
            self.assertNotIn("<script", page.body)
            self.assertTrue(page.body.startswith(("<p>", "<h2>")), page.key)


@override_settings(OPERATOR_EMAIL="")
class OperatorEmailSettingTests(BaseTestCase):
    def test_the_setting_is_strict(self):
        from django.core.exceptions import ImproperlyConfigured

        from ecabinet.settings import operator_email

        self.assertEqual(operator_email(None), "")
        self.assertEqual(operator_email("vanhanh@example.gov.vn"), "vanhanh@example.gov.vn")
        for bad in ("not-an-address", "a@b@c", "x@example.gov.vn, y@example.gov.vn"):
            with self.assertRaisesMessage(ImproperlyConfigured, "OPERATOR_EMAIL must be one e-mail address"):
                operator_email(bad)
