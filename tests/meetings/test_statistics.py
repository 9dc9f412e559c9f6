"""Statistics and reports (issue 12 part 5): exact figures on a small hand-built dataset, the
queries each report makes (pinned), who sees which figures, the exports (XLSX, CSV, PDF)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from ecabinet.access import statistics_scope
from ecabinet.audit import record_audit
from ecabinet.models import AuditEvent, Unit
from ecabinet.roles import LEADER
from meetings.models import (
    Attendance,
    Document,
    DocumentVersion,
    FollowUpTask,
    Meeting,
    MeetingType,
    OpinionAnswer,
    OpinionRecipient,
    OpinionRound,
    Participant,
    Poll,
    PollVoter,
    SpeakerRequest,
)
from meetings.statistics.period import (
    Period,
    StatisticsFilterIn,
    build_filters,
    period_from,
    preset_period,
)
from meetings.statistics.reports import build_report
from signing.models import SignatureRecord, SigningCertificate
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user

PERIOD = Period(date(2025, 3, 1), date(2025, 3, 31))
QUERY = "?from=2025-03-01&to=2025-03-31"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return timezone.make_aware(datetime.combine(date(2025, month, day), time(hour, minute)))


class StatisticsData(BaseTestCase):
    """Meetings of the department in March 2025 (one cancelled, one in April, one of the other
    unit), their seats, check-ins, speeches, ballots, documents and signatures; an opinion round;
    follow-up tasks. owner (organiser) and leader hold `view_statistics` over the department."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sub = Unit.objects.create(name="Phòng Ngân sách", code="phong-ns", kind="other", parent=cls.department)
        cls.leader = make_user("leader", unit=cls.department, full_name="Phạm Lãnh Đạo", roles=(LEADER,))
        cls.sub_member = make_user("sub", unit=cls.sub, full_name="Đỗ Thị Phòng")
        regular = MeetingType.objects.create(name="Thường kỳ")
        topical = MeetingType.objects.create(name="Chuyên đề")

        def meeting(title, start, *, status=Meeting.Status.ENDED, minutes=0, unit=None, kind=None):
            return Meeting.objects.create(
                title=title, unit=unit or cls.department, starts_at=start, ends_at=start + timedelta(hours=3),
                status=status, meeting_type=kind, created_by=cls.owner,
                started_at=start if minutes else None, ended_at=start + timedelta(minutes=minutes) if minutes else None)

        def seat(m, user, role=Participant.Role.MEMBER, **fields):
            return Participant.objects.create(meeting=m, user=user, role=role, **fields)

        def checkin(m, p, remote=False):
            Attendance.objects.create(meeting=m, participant=p, remote=remote)

        def spoke(m, p, start, minutes, status=SpeakerRequest.Status.DONE):
            SpeakerRequest.objects.create(meeting=m, participant=p, status=status, started_at=start,
                                          ended_at=start + timedelta(minutes=minutes))

        # M1: ended, regular, 120 minutes
        m1 = cls.m1 = meeting("Họp thường kỳ tháng 3", at(5, 8), minutes=120, kind=regular)
        o1, me1 = seat(m1, cls.owner, Participant.Role.CHAIR), seat(m1, cls.member)
        s1 = seat(m1, cls.sub_member, response=Participant.Response.DECLINE, response_reason="Đi công tác")
        seat(m1, cls.outsider)
        checkin(m1, o1)
        checkin(m1, me1, remote=True)
        spoke(m1, me1, at(5, 8, 10), 5)
        spoke(m1, me1, at(5, 9), 3)
        spoke(m1, o1, at(5, 9, 30), 0, status=SpeakerRequest.Status.WITHDRAWN)
        poll1 = Poll.objects.create(meeting=m1, question="Thông qua", created_by=cls.owner, status="closed")
        PollVoter.objects.create(poll=poll1, seat=o1, cast_by=cls.owner)
        PollVoter.objects.create(poll=poll1, seat=me1, cast_by=cls.member)
        del s1
        # M2: ended, topical, 90 minutes; the member delegates to the leader
        m2 = cls.m2 = meeting("Họp chuyên đề ngân sách", at(12, 14), minutes=90, kind=topical)
        o2 = seat(m2, cls.owner, Participant.Role.CHAIR)
        me2 = seat(m2, cls.member, response=Participant.Response.DELEGATE)
        d2 = seat(m2, cls.leader, delegate_for=me2)
        seat(m2, cls.sub_member, response=Participant.Response.DECLINE)
        checkin(m2, o2)
        checkin(m2, d2)
        spoke(m2, d2, at(12, 14, 10), 10)
        poll2 = Poll.objects.create(meeting=m2, question="Biểu quyết", created_by=cls.owner, status="closed")
        PollVoter.objects.create(poll=poll2, seat=me2, cast_by=cls.leader)
        # M3: scheduled; M4: cancelled; M5: the other unit's; M6: in April
        m3 = meeting("Họp cuối tháng", at(25, 8), status=Meeting.Status.SCHEDULED, kind=regular)
        seat(m3, cls.owner, Participant.Role.CHAIR)
        seat(m3, cls.member)
        m4 = meeting("Họp đã hủy", at(10, 8), status=Meeting.Status.CANCELLED)
        seat(m4, cls.member)
        m5 = meeting("Họp Sở Y tế", at(6, 8), minutes=60, unit=cls.other_unit)
        seat(m5, cls.outsider, Participant.Role.CHAIR)
        checkin(m5, seat(m5, cls.member))
        m6 = meeting("Họp tháng 4", at(2, 8, month=4), minutes=60)
        checkin(m6, seat(m6, cls.member))

        # documents: M1 released (3 + 4 pages) and pending (5); M2 released (2), signed twice
        def document(m, status, pages, *, title="Tờ trình"):
            doc = Document.objects.create(meeting=m, title=title, status=status, uploaded_by=cls.owner)
            for number, count in enumerate(pages, start=1):
                DocumentVersion.objects.create(document=doc, number=number, file=f"x/{doc.pk}-{number}.pdf",
                                               sha256="0" * 64, size=1, pages=count, created_by=cls.owner)
            return doc

        document(m1, Document.Status.RELEASED, [3, 4])
        document(m1, Document.Status.PENDING, [5])
        signed = document(m2, Document.Status.RELEASED, [2])
        certificate = SigningCertificate.objects.create(
            user=cls.owner, cert_pem="-", serial="1", subject="CN=x", issuer="CN=y",
            not_before=at(1, 0), not_after=at(1, 0) + timedelta(days=365))
        version = signed.versions.get()
        for signer in (cls.owner, cls.leader):
            SignatureRecord.objects.create(document=signed, version=version, signer=signer, certificate=certificate,
                                           field_name=f"sig-{signer.pk}", signed_at=at(13, 9))

        # an opinion round of the department (and one of the other unit)
        draft = document(None, Document.Status.RELEASED, [1], title="Dự thảo")
        rnd = OpinionRound.objects.create(title="Dự thảo quy chế", question="Ý kiến?", unit=cls.department,
                                          draft=draft, deadline=at(10, 17), created_by=cls.owner, created_at=at(3, 8))
        for user in (cls.owner, cls.member, cls.sub_member, cls.outsider):
            OpinionRecipient.objects.create(round=rnd, user=user)
        OpinionAnswer.objects.create(round=rnd, user=cls.member, choice="agree", answered_at=at(5, 9))
        OpinionAnswer.objects.create(round=rnd, user=cls.owner, choice="disagree", answered_at=at(11, 9))
        OpinionAnswer.objects.create(round=rnd, user=cls.outsider, choice="other", answered_at=at(9, 9))
        other_draft = document(None, Document.Status.RELEASED, [1], title="Dự thảo khác")
        OpinionRound.objects.create(title="Dự thảo Sở Y tế", question="?", unit=cls.other_unit, draft=other_draft,
                                    deadline=at(20, 17), created_by=cls.outsider, created_at=at(4, 8))
        with transaction.atomic():
            for user in (cls.member, cls.sub_member, cls.member):  # the member opened it twice
                record_audit(actor=user, action="document.download", obj=draft)
            record_audit(actor=cls.outsider, action="document.download", obj=other_draft)
            record_audit(actor=cls.owner, action="document.view", obj=draft)

        # follow-up tasks
        def task(deadline, *, status=FollowUpTask.Status.OPEN, done=None, unit=None, person=None):
            return FollowUpTask.objects.create(
                meeting=m1, title="Việc", assignee_unit=unit, assignee=person, deadline=deadline, status=status,
                completed_at=done, created_by=cls.owner, created_at=at(6, 10))

        task(date(2025, 3, 20), status="done", done=at(18, 10), unit=cls.department)
        task(date(2025, 3, 15), status="done", done=at(17, 10), unit=cls.department)
        task(date(2025, 3, 20), unit=cls.department)
        task(date(2099, 1, 1), person=cls.sub_member)
        task(date(2025, 3, 20), status="cancelled", unit=cls.department)
        task(date(2025, 3, 20), unit=cls.other_unit)

    def report(self, key: str, user=None, unit: Unit | None = None):
        return build_report(key, build_filters(statistics_scope(user or self.owner), unit, PERIOD))

    def rows(self, key: str, user=None, unit: Unit | None = None, table: int = 0) -> dict[str, list]:
        return {row[0]: row[1:] for row in self.report(key, user, unit).tables[table].rows}


class FiguresTests(StatisticsData):
    def test_per_member(self) -> None:
        rows = self.rows("members")
        # unit, invited, room, remote, rate, with reason, without, delegated, stood in, times, minutes, votes
        self.assertEqual(rows["Nguyễn Văn Chủ"], ["Sở Tài chính", 3, 2, 0, 0.6667, 0, 0, 0, 0, 0, 0.0, 1])
        self.assertEqual(rows["Trần Thị Thành Viên"], ["Sở Tài chính", 4, 1, 1, 0.5, 0, 0, 1, 0, 2, 8.0, 1])
        self.assertEqual(rows["Phạm Lãnh Đạo"], ["Sở Tài chính", 0, 0, 0, 0.0, 0, 0, 0, 1, 1, 10.0, 1])
        self.assertEqual(rows["Đỗ Thị Phòng"], ["Phòng Ngân sách", 2, 0, 0, 0.0, 1, 1, 0, 0, 0, 0.0, 0])
        self.assertEqual(set(rows), {"Nguyễn Văn Chủ", "Trần Thị Thành Viên", "Phạm Lãnh Đạo", "Đỗ Thị Phòng"})
        total = self.report("members").tables[0].total
        self.assertEqual(total[2:5], [9, 3, 1])

    def test_per_round(self) -> None:
        rows = self.rows("rounds")
        self.assertEqual(list(rows), ["Dự thảo quy chế"])
        # sent, deadline, asked, viewed, agree, disagree, other, not answered, late, rate
        self.assertEqual(rows["Dự thảo quy chế"], [date(2025, 3, 3), date(2025, 3, 10), 4, 2, 1, 1, 1, 1, 2, 0.75])
        self.assertEqual(set(self.rows("rounds", self.admin)), {"Dự thảo quy chế", "Dự thảo Sở Y tế"})

    def test_per_meeting_type(self) -> None:
        rows = self.rows("types")
        # held, not yet held, average minutes, seats invited, seats attended, rate
        self.assertEqual(rows["Thường kỳ"], [1, 1, 120.0, 4, 2, 0.5])
        self.assertEqual(rows["Chuyên đề"], [1, 0, 90.0, 3, 2, 0.6667])

    def test_speaking_history(self) -> None:
        report = self.report("speaking")
        rows = {row[0]: row[1:] for row in report.tables[0].rows}
        # unit, attended, meetings spoken in, times, share, last, never spoke
        self.assertEqual(rows["Nguyễn Văn Chủ"], ["Sở Tài chính", 2, 0, 0, 0.0, None, "có"])
        self.assertEqual(rows["Trần Thị Thành Viên"], ["Sở Tài chính", 2, 1, 2, 0.5, date(2025, 3, 5), ""])
        self.assertEqual(rows["Phạm Lãnh Đạo"], ["Sở Tài chính", 1, 1, 1, 1.0, date(2025, 3, 12), ""])
        self.assertEqual(rows["Đỗ Thị Phòng"], ["Phòng Ngân sách", 0, 0, 0, 0.0, None, ""])
        self.assertEqual(report.summary[0][1], 1)

    def test_paper_saved(self) -> None:
        report = self.report("paper")
        rows = {row[0]: row[1:] for row in report.table("meetings").rows}
        # date, unit, documents, pages, copies, sheets, signed documents, signatures
        self.assertEqual(rows["Họp thường kỳ tháng 3"], [date(2025, 3, 5), "Sở Tài chính", 1, 7, 4, 28, 0, 0])
        self.assertEqual(rows["Họp chuyên đề ngân sách"], [date(2025, 3, 12), "Sở Tài chính", 1, 2, 3, 6, 1, 2])
        self.assertEqual(rows["Họp cuối tháng"], [date(2025, 3, 25), "Sở Tài chính", 0, 0, 2, 0, 0, 0])
        self.assertEqual(set(rows), {"Họp thường kỳ tháng 3", "Họp chuyên đề ngân sách", "Họp cuối tháng"})
        self.assertEqual(report.table("months").rows, [["03/2025", 3, 9, 34, 1]])
        self.assertEqual([value for _label, value in report.summary], [34, 1, 2])

    def test_follow_up_tasks(self) -> None:
        rows = self.rows("tasks")
        # assigned, done, done late, in progress, overdue, on-time rate
        self.assertEqual(rows["Sở Tài chính"], [3, 2, 1, 0, 1, 0.3333])
        self.assertEqual(rows["Phòng Ngân sách"], [1, 0, 0, 1, 0, 0.0])
        self.assertNotIn("Sở Y tế", rows)

    def test_a_unit_filter_keeps_its_subtree(self) -> None:
        self.assertEqual(set(self.rows("members", self.leader, self.sub)), {"Đỗ Thị Phòng"})
        self.assertEqual(set(self.rows("tasks", self.leader, self.sub)), {"Phòng Ngân sách"})

    def test_each_report_makes_a_fixed_number_of_queries(self) -> None:
        scope = statistics_scope(self.admin)
        filters = build_filters(scope, None, PERIOD)
        for key, queries in {"members": 4, "rounds": 4, "types": 3, "speaking": 3, "paper": 5, "tasks": 1}.items():
            with self.subTest(key), self.assertNumQueries(queries):
                build_report(key, filters)

    def test_periods(self) -> None:
        today = date(2026, 8, 17)
        self.assertEqual(preset_period("month", today), Period(date(2026, 8, 1), date(2026, 8, 31)))
        self.assertEqual(preset_period("quarter", today), Period(date(2026, 7, 1), date(2026, 9, 30)))
        self.assertEqual(preset_period("year", today), Period(date(2026, 1, 1), date(2026, 12, 31)))
        self.assertEqual(preset_period("quarter", date(2026, 12, 3)), Period(date(2026, 10, 1), date(2026, 12, 31)))
        data = StatisticsFilterIn.model_validate({"from": "2026-02-03", "to": "2026-02-10", "preset": "year"})
        self.assertEqual(period_from(data, today), Period(date(2026, 2, 3), date(2026, 2, 10)))


class PageTests(StatisticsData):
    def get(self, user, path: str = "/statistics/", query: str = QUERY):
        client = self.client_for(user) if user is not None else Client()
        return client.get(path + query)

    def test_a_holder_of_the_right_sees_the_units_subtree(self) -> None:
        response = self.get(self.leader)
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        for name in ("Nguyễn Văn Chủ", "Trần Thị Thành Viên", "Đỗ Thị Phòng"):
            self.assertIn(name, text)
        self.assertNotIn("Lê Văn Ngoài", text)
        self.assertIn("Thống kê", text)
        for key in ("rounds", "types", "speaking", "paper", "tasks"):
            with self.subTest(key):
                self.assertEqual(self.get(self.leader, f"/statistics/{key}/").status_code, 200)

    def test_a_unit_outside_the_scope_is_not_found(self) -> None:
        response = self.get(self.leader, query=f"{QUERY}&unit={self.other_unit.pk}")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.get(self.admin, query=f"{QUERY}&unit={self.other_unit.pk}").status_code, 200)

    def test_a_member_sees_only_their_own_row(self) -> None:
        response = self.get(self.member)
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn("Trần Thị Thành Viên", text)
        self.assertNotIn("Nguyễn Văn Chủ", text)
        self.assertNotIn("Đỗ Thị Phòng", text)
        self.assertEqual(self.get(self.member, "/statistics/speaking/").status_code, 200)
        for key in ("rounds", "types", "paper", "tasks"):
            with self.subTest(key):
                refused = self.get(self.member, f"/statistics/{key}/")
                self.assertEqual(refused.status_code, 403)
                self.assertIn("chỉ được xem số liệu của chính mình", refused.content.decode())
                refused = self.get(self.member, f"/statistics/{key}/export.xlsx")
                self.assertEqual(refused.status_code, 403)
        self.assertEqual(self.get(self.member, query=f"{QUERY}&unit={self.department.pk}").status_code, 404)

    def test_an_outsider_sees_neither_the_department_nor_its_reports(self) -> None:
        text = self.get(self.outsider).content.decode()
        self.assertIn("Lê Văn Ngoài", text)
        self.assertNotIn("Trần Thị Thành Viên", text)
        self.assertEqual(self.get(self.outsider, query=f"{QUERY}&unit={self.department.pk}").status_code, 404)
        self.assertEqual(self.get(self.outsider, "/statistics/paper/").status_code, 403)

    def test_anonymous_is_sent_to_sign_in(self) -> None:
        before = AuditEvent.objects.count()
        for path in ("/statistics/", "/statistics/types/", "/statistics/members/chart.svg",
                     "/statistics/members/export.xlsx", "/statistics/paper/export.pdf"):
            with self.subTest(path):
                response = self.get(None, path)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/login/", response["Location"])
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_bad_filters_are_a_clear_400(self) -> None:
        for query in ("?from=2025-13-01", "?from=2025-03-10&to=2025-03-01", "?preset=decade", "?unit=abc",
                      "?unit=99999999999999999999999", "?from=0001-01-01"):
            with self.subTest(query):
                response = self.get(self.leader, query=query)
                self.assertEqual(response.status_code, 400, response.content[:300])
                self.assertIn("không hợp lệ", response.content.decode())
        self.assertEqual(self.get(self.leader, "/statistics/members/export.doc").status_code, 404)

    def test_the_page_makes_a_fixed_number_of_queries(self) -> None:
        # 12 for the report page; the menu's to-do and unread counts are kept from the first view
        # (ecabinet/menu_counts.py), the session is read from the cache (SESSION_ENGINE)
        client = self.client_for(self.leader)
        client.get("/statistics/" + QUERY)
        with self.assertNumQueries(12):
            client.get("/statistics/" + QUERY)

    def test_the_chart_is_an_svg_of_paths(self) -> None:
        response = self.get(self.leader, "/statistics/members/chart.svg")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        body = response.content.decode()
        self.assertIn("<svg", body)
        self.assertNotIn("<text", body)  # text drawn as paths
        self.assertNotIn("<script", body)
        self.assertEqual(body, self.get(self.leader, "/statistics/members/chart.svg").content.decode())
        for key in ("rounds", "types", "speaking", "paper", "tasks"):
            with self.subTest(key):
                self.assertEqual(self.get(self.leader, f"/statistics/{key}/chart.svg").status_code, 200)


class ExportTests(StatisticsData):
    def export(self, key: str, fmt: str, user=None):
        response = self.client_for(user or self.leader).get(f"/statistics/{key}/export.{fmt}{QUERY}")
        self.assertEqual(response.status_code, 200, response.content[:300])
        return response

    def test_xlsx_has_a_sheet_per_table_with_vietnamese_headers_and_numbers(self) -> None:
        before = AuditEvent.objects.filter(action="statistics.export").count()
        book = load_workbook(io.BytesIO(self.export("paper", "xlsx").content))
        self.assertEqual(book.sheetnames, ["Tổng hợp", "Giấy tiết kiệm theo tháng", "Giấy tiết kiệm theo cuộc họp"])
        sheet = book["Giấy tiết kiệm theo cuộc họp"]
        rows = list(sheet.iter_rows(values_only=True))
        header = rows.index(next(r for r in rows if r and r[0] == "Cuộc họp"))
        self.assertIn("Số tờ giấy tiết kiệm", rows[header])
        first = rows[header + 1]
        self.assertEqual(first[0], "Họp thường kỳ tháng 3")
        self.assertEqual(first[6], 28)
        self.assertEqual(sheet.cell(header + 2, 7).number_format, "#,##0")
        self.assertEqual(AuditEvent.objects.filter(action="statistics.export").count(), before + 1)

    def test_a_formula_in_a_name_stays_text(self) -> None:
        self.member.full_name = "=HYPERLINK(\"http://x\")"
        self.member.save()
        book = load_workbook(io.BytesIO(self.export("members", "xlsx").content))
        values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
        cell = next(c for row in book.worksheets[0].iter_rows() for c in row if c.value == self.member.full_name)
        self.assertEqual(cell.data_type, "s")
        self.assertIn(self.member.full_name, values)
        text = self.export("members", "csv").content.decode("utf-8-sig")
        self.assertIn("'=HYPERLINK", text)

    def test_csv_is_utf8_with_bom(self) -> None:
        response = self.export("members", "csv")
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Báo cáo", "Tham dự theo thành viên"])
        header = next(r for r in rows if r and r[0] == "Họ và tên")
        member = next(r for r in rows if r and r[0] == "Trần Thị Thành Viên")
        self.assertEqual(member[header.index("Số lần phát biểu")], "2")

    def test_pdf_report_has_the_vietnamese_text_and_the_chart(self) -> None:
        response = self.export("members", "pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["X-Ecabinet-Delivery"], "generated")
        reader = PdfReader(io.BytesIO(response.content))
        page = reader.pages[0]
        self.assertGreater(page.mediabox.width, page.mediabox.height)  # landscape
        text = "".join(p.extract_text() for p in reader.pages)
        for needle in ("THAM DỰ THEO THÀNH VIÊN", "01/03/2025 – 31/03/2025", "Trần Thị Thành Viên", "Đỗ Thị Phòng"):
            self.assertIn(needle, text)
        self.assertTrue(AuditEvent.objects.filter(action="statistics.export", actor=self.leader).exists())

    def test_every_report_exports_in_every_format(self) -> None:
        for key in ("members", "rounds", "types", "speaking", "paper", "tasks"):
            for fmt in ("xlsx", "csv", "pdf"):
                with self.subTest(key=key, fmt=fmt):
                    self.export(key, fmt)

    def test_a_member_exports_only_their_own_row(self) -> None:
        text = self.export("members", "csv", self.member).content.decode("utf-8-sig")
        self.assertIn("Trần Thị Thành Viên", text)
        self.assertNotIn("Nguyễn Văn Chủ", text)


class ApiTests(StatisticsData):
    def test_a_holder_reads_a_report_as_json(self) -> None:
        response = self.api("GET", f"/api/v1/statistics/members{QUERY}&unit={self.sub.pk}", user=self.leader)
        self.assertEqual(response.status_code, 200, response.content[:300])
        body = response.json()
        self.assertEqual((body["report"], body["date_from"], body["date_to"], body["unit"], body["own_only"]),
                         ("members", "2025-03-01", "2025-03-31", self.sub.pk, False))
        table = body["tables"][0]
        self.assertEqual(table["columns"][0], {"label": "Họ và tên", "kind": "text"})
        self.assertEqual(table["rows"], [["Đỗ Thị Phòng", "Phòng Ngân sách", 2, 0, 0, 0.0, 1, 1, 0, 0, 0, 0.0, 0]])
        rounds = self.api("GET", f"/api/v1/statistics/rounds{QUERY}", user=self.leader).json()
        self.assertEqual(rounds["tables"][0]["rows"][0][1:3], ["2025-03-03", "2025-03-10"])

    def test_refusals_in_the_envelope(self) -> None:
        error = self.assert_error(self.api("GET", f"/api/v1/statistics/paper{QUERY}", user=self.member), 403,
                                  "forbidden")
        self.assertEqual(error["message"], "Bạn chỉ được xem số liệu của chính mình.")
        own = self.api("GET", f"/api/v1/statistics/members{QUERY}", user=self.member).json()
        self.assertTrue(own["own_only"])
        self.assertEqual([row[0] for row in own["tables"][0]["rows"]], ["Trần Thị Thành Viên"])
        error = self.assert_error(self.api("GET", f"/api/v1/statistics/members{QUERY}&unit={self.other_unit.pk}",
                                           user=self.leader), 404, "not_found")
        self.assertIn("ngoài phạm vi thống kê", error["message"])
        self.assert_error(self.api("GET", "/api/v1/statistics/members?from=2025-02-30", user=self.leader), 400)
        self.assert_error(self.api("GET", "/api/v1/statistics/members?preset=week", user=self.leader), 400)
        self.assertEqual(self.api("GET", "/api/v1/statistics/members").status_code, 401)
        self.assertEqual(self.api("GET", "/api/v1/statistics/nothing", user=self.leader).status_code, 404)


def test_django_starts_without_matplotlib() -> None:
    """The chart module imports matplotlib when a chart is drawn, never at start (URLs, views, API)."""
    import os
    import subprocess
    import sys

    code = ("import django, sys; django.setup(); from django.urls import get_resolver; "
            "get_resolver().url_patterns; import ecabinet.api; "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "ecabinet.settings"}, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]
