"""Search (issue 13, part 2): one search across meetings, agenda items, documents (title and the
text of every page), written-opinion rounds and conclusions; diacritics and case do not matter;
results only of what the reader may see, filtered in the query (so counts and pages are true);
escaped snippets with <mark>. The same tests run on SQLite (FTS5) and, in CI's second pass, on
PostgreSQL (full-text search with unaccent): whichever DATABASE_URL names."""

from __future__ import annotations

import importlib
import io

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from meetings import search
from meetings.actions.documents import do_delete_document, do_set_readers
from meetings.models import Meeting, SearchEntry, SearchPage
from meetings.search.backends import FTS, HEAD_FTS, RANKED_HEAD, backend, head
from meetings.search.text import fold, highlight, parse_query
from tests.kit import factories as f
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf
from tests.kit.users import make_user

# More than the ranked head (RANKED_HEAD characters) of text that has none of the tests' words.
FILLER = "Rà soát chi thường xuyên của các đơn vị. " * 25
PUBLIC_TEXT = "Dự toán NGÂN SÁCH tỉnh năm 2027 và kế hoạch đầu tư công"
SECRET_TEXT = "Phương án đền bù giải phóng mặt bằng khu Đông Bắc <script>alert(1)</script>"


class SearchTextTests(BaseTestCase):
    def test_fold_diacritics_case_and_d(self):
        self.assertEqual(fold("NGÂN SÁCH"), "ngan sach")
        self.assertEqual(fold("ngân sách"), fold("ngan sach"))
        self.assertEqual(fold("Đồng ĐỀN BÙ đường"), "dong den bu duong")
        self.assertEqual(fold("Nghị định 15/2024/NĐ-CP"), "nghi dinh 15 2024 nd cp")
        # Decomposed input (as some PDFs give it) folds like the composed form.
        self.assertEqual(fold("nga\u0302n sa\u0301ch"), "ngan sach")

    def test_query_words_and_phrases(self):
        q = parse_query('Ngân  sách "ĐẦU TƯ công" ngân')
        self.assertEqual(q.words, ("ngan", "sach"))
        self.assertEqual(q.phrases, (("dau", "tu", "cong"),))
        self.assertFalse(parse_query("!!! ... ---"))
        self.assertFalse(parse_query(""))

    def test_snippet_is_escaped_and_marks_only_matches(self):
        html = highlight("<b>Kế hoạch</b> ngân sách & đầu tư; NGÂN SÁCH tỉnh", parse_query("ngan sach"))
        self.assertEqual(html, "&lt;b&gt;Kế hoạch&lt;/b&gt; <mark>ngân</mark> <mark>sách</mark> &amp; đầu tư; "
                               "<mark>NGÂN</mark> <mark>SÁCH</mark> tỉnh")
        long = "mở đầu " * 100 + "ngân sách" + " kết thúc" * 100
        cut = highlight(long, parse_query("ngân sách"), width=120)
        self.assertIn("<mark>ngân</mark>", cut)
        self.assertTrue(cut.startswith("… ") and cut.endswith(" …"))
        self.assertLess(len(cut), 260)


class SearchTests(BaseTestCase):
    """owner runs the meeting; member is invited and a reader of the confidential document;
    guest is invited but not a reader; outsider is not invited; anonymous is signed out."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other = make_user("docreader2", unit=cls.department, full_name="Vũ Thị Khác")
        with cls.captureOnCommitCallbacks(execute=True):
            cls.meeting = f.make_meeting(
                by=cls.owner, title="Họp bàn NGÂN SÁCH quý IV", description="Rà soát chi thường xuyên",
                members=[cls.member], guests=[cls.guest], items=[{"title": "Báo cáo tình hình giải ngân vốn", "presenting_unit": cls.department}],
                status=Meeting.Status.SCHEDULED)
            cls.item = cls.meeting.agenda_items.get()
            cls.public = f.upload_document(cls.meeting, by=cls.owner, title="Tờ trình dự toán",
                                           data=make_pdf(3, PUBLIC_TEXT))
            cls.secret = f.upload_document(cls.meeting, by=cls.owner, title="Tài liệu mật số 7",
                                           data=make_pdf(2, SECRET_TEXT), confidential=True)
            do_set_readers(cls.secret, actor=cls.owner, usernames=[cls.member.username])

    def found(self, user, q, **kw):
        return search.search(user, q, **kw)

    def kinds_found(self, user, q):
        return {(r.kind, r.object.pk) for r in self.found(user, q).items}

    def test_page_text_is_indexed_with_page_numbers(self):
        pages = SearchPage.objects.filter(document=self.public)
        self.assertEqual(sorted(pages.values_list("page", flat=True)), [1, 2, 3])
        self.assertIn("NGÂN SÁCH", pages.get(page=2).body)
        hit = [r for r in self.found(self.member, "ke hoach dau tu").items if r.kind == "document"][0]
        self.assertEqual((hit.object, hit.title), (self.public, "Tờ trình dự toán"))
        self.assertIn(hit.page, (1, 2, 3))
        self.assertTrue(hit.url.startswith(f"/documents/{self.public.pk}/#page="))
        self.assertIn("<mark>kế</mark> <mark>hoạch</mark> <mark>đầu</mark> <mark>tư</mark>", hit.snippet)

    def test_diacritics_and_case_do_not_matter(self):
        expected = self.kinds_found(self.owner, "ngân sách")
        self.assertIn(("document", self.public.pk), expected)
        self.assertIn(("meeting", self.meeting.pk), expected)
        for q in ("ngan sach", "NGÂN SÁCH", "Ngân Sách", "NGAN SACH"):
            self.assertEqual(self.kinds_found(self.owner, q), expected, q)
        # "đ" folds to "d" on both sides.
        for q in ("đền bù", "den bu", "ĐỀN BÙ", "dong bac"):
            self.assertIn(("document", self.secret.pk), self.kinds_found(self.owner, q), q)

    def test_one_search_across_kinds(self):
        with self.captureOnCommitCallbacks(execute=True):
            f.start_meeting(self.meeting, by=self.owner)
            f.conclude_item(self.item, "Giao Sở Tài chính tham mưu phân bổ kinh phí", by=self.owner)
            f.conclude_meeting(self.meeting, "Các sở khẩn trương triển khai phân bổ", by=self.owner)
            rnd = f.make_round(by=self.owner, asked=[self.member], meeting=self.meeting,
                               title="Lấy ý kiến về phân bổ vốn", question="Đồng ý phương án phân bổ?",
                               data=make_pdf(1, "Dự thảo quyết định phân bổ vốn"))
        self.assertEqual(self.kinds_found(self.member, "giai ngan"), {("item", self.item.pk)})
        found = self.found(self.member, "phan bo")
        kinds = {r.kind for r in found.items}
        self.assertEqual(kinds, {"conclusion", "round", "document"})
        self.assertEqual(found.counts, {"conclusion": 2, "round": 1, "document": 1})
        self.assertEqual({r.object.pk for r in found.items if r.kind == "round"}, {rnd.pk})
        only = self.found(self.member, "phan bo", kinds=["conclusion"])
        self.assertEqual({r.kind for r in only.items}, {"conclusion"})
        self.assertEqual(len(only.items), 2)
        # The round and its draft are for the people asked and those running it, not the guest.
        self.assertEqual({r.kind for r in self.found(self.guest, "phan bo").items}, {"conclusion"})
        self.assertEqual(self.found(self.outsider, "phan bo").items, [])

    def test_confidential_text_only_for_its_readers(self):
        q = "giải phóng mặt bằng"
        self.assertIn(("document", self.secret.pk), self.kinds_found(self.owner, q))  # runs the meeting
        self.assertIn(("document", self.secret.pk), self.kinds_found(self.member, q))  # a reader
        self.assertIn(("document", self.secret.pk), self.kinds_found(self.admin, q))
        for user in (self.guest, self.outsider, self.other):  # invited non-reader, outsider, stranger
            self.assertEqual(self.found(user, q).items, [], user.username)
            self.assertEqual(self.found(user, q).counts, {}, user.username)
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(self.found(AnonymousUser(), q).items, [])
        # Readers change without re-indexing: access is joined at search time.
        do_set_readers(self.secret, actor=self.owner, usernames=[self.guest.username])
        self.assertEqual(self.found(self.member, q).items, [])
        self.assertIn(("document", self.secret.pk), self.kinds_found(self.guest, q))

    def test_phrases_match_the_words_in_order_anywhere_in_the_text(self):
        # PostgreSQL ranks on the title and the text's first 800 characters and may confirm a
        # phrase there; past them the whole text decides: one document has the phrase in its
        # title, one far into its text, one has the words but not together.
        filler = "Rà soát chi thường xuyên của các đơn vị. " * 40
        phrase = "Kế hoạch bồi thường tái định cư"
        with self.captureOnCommitCallbacks(execute=True):
            near = f.upload_document(self.meeting, by=self.owner, title=phrase)
            far = f.upload_document(self.meeting, by=self.owner, title="Phụ lục")
            apart = f.upload_document(self.meeting, by=self.owner, title="Tái định cư")
        search.index_document_pages(near.pk, texts=[filler])
        search.index_document_pages(far.pk, texts=[filler, filler + phrase + " khu A."])
        search.index_document_pages(apart.pk, texts=[filler + "Bồi thường theo kế hoạch."])
        q = '"ke hoach boi thuong tai dinh cu"'
        found = self.found(self.owner, q, kinds=["document"])
        self.assertEqual({r.object.pk for r in found.items}, {near.pk, far.pk})
        self.assertEqual(found.counts["document"], 2)
        self.assertEqual([r.object.pk for r in found.items][0], near.pk)  # the title weighs most
        second = self.found(self.owner, q, kinds=["document"], limit=1, offset=1)
        self.assertEqual([(r.object.pk, r.page) for r in second.items], [(far.pk, 2)])
        self.assertIn(apart.pk, {r.object.pk for r in self.found(self.owner, "ke hoach boi thuong tai dinh cu").items})
        self.assertEqual(self.found(self.member, q).counts, {"document": 2})  # invited: sees both
        self.assertEqual(self.found(self.outsider, q).counts, {})

    def test_counts_and_pages_are_after_access(self):
        with self.captureOnCommitCallbacks(execute=True):
            for n in range(5):
                f.upload_document(self.meeting, by=self.owner, title=f"Phụ lục ngân sách {n}", confidential=True)
        self.assertEqual(self.found(self.owner, "ngan sach").counts["document"], 6)
        member = self.found(self.member, "ngan sach", kinds=["document"], limit=1)
        self.assertEqual(member.counts["document"], 1)
        self.assertEqual(len(member.items), 1)
        page2 = self.found(self.owner, "ngan sach", kinds=["document"], limit=4, offset=4)
        self.assertEqual(len(page2.items), 2)
        first = self.found(self.owner, "ngan sach", kinds=["document"], limit=4)
        self.assertFalse({r.object.pk for r in first.items} & {r.object.pk for r in page2.items})

    def test_counts_stop_at_the_cap_after_access(self):
        """The real SQL with a small cap: each kind counted up to cap + 1, after the access
        conditions (a confidential document a reader may not open is not counted), phrases too."""
        with self.captureOnCommitCallbacks(execute=True):
            for n in range(5):
                f.upload_document(self.meeting, by=self.owner, title=f"Phụ lục ngân sách {n}", confidential=True)
        exact = self.found(self.owner, "ngan sach")
        self.assertEqual((exact.counts["document"], exact.capped), (6, ()))
        for cap, count, capped in ((3, 3, ("document",)), (5, 5, ("document",)), (6, 6, ())):
            owner = self.found(self.owner, "ngan sach", count_cap=cap)
            self.assertEqual((owner.counts["document"], owner.capped), (count, capped), cap)
            self.assertEqual(owner.counts["meeting"], 1)  # a kind under the cap is exact
        phrase = self.found(self.owner, '"ngan sach"', count_cap=3)
        self.assertEqual((phrase.counts["document"], phrase.capped), (3, ("document",)))
        self.assertEqual(phrase.total, 3 + phrase.counts["meeting"])
        # The confidential ones are not counted for those who may not read them, under any cap.
        for user in (self.member, self.guest):
            seen = self.found(user, "ngan sach", count_cap=1)
            self.assertEqual((seen.counts["document"], seen.capped), (1, ()), user)
        self.assertEqual(self.found(self.outsider, "ngan sach", count_cap=1).counts, {})
        # The pages go as far as the capped count: the results themselves are not capped.
        page2 = self.found(self.owner, "ngan sach", kinds=["document"], limit=2, offset=2, count_cap=3)
        self.assertEqual(len(page2.items), 2)

    def test_page_and_api_show_a_capped_count(self):
        """More than COUNT_CAP (1,000) conclusions of the meeting, written as the index writes them:
        the page says "1.000+" and "hơn 1.001 kết quả", the API keeps integers and names the kind."""
        entries = [SearchEntry(kind="conclusion", object_id=self.meeting.pk, meeting_id=self.meeting.pk,
                               body=f"Kết luận số {n} về ngân sách") for n in range(search.COUNT_CAP + 1)]
        created = SearchEntry.objects.bulk_create(entries)
        backend().write([(e.pk, "", fold(e.body)) for e in created])
        page = self.client_for(self.member).get("/search/", {"q": "ngân sách"})
        self.assertContains(page, 'data-testid="search-kind-conclusion"')
        self.assertContains(page, "Kết luận (1.000+)")
        self.assertContains(page, "Tất cả (1.002+)")  # the conclusions and the meeting (and the public document)
        self.assertContains(page, "hơn 1.002 kết quả")
        self.assertContains(page, "Trang 1/51")
        last = self.client_for(self.member).get("/search/", {"q": "ngân sách", "kind": "conclusion", "page": 50})
        self.assertEqual(last.status_code, 200)
        self.assertContains(last, 'data-testid="search-hit"')
        self.assertNotContains(last, 'data-testid="search-next"')
        payload = self.api("get", "/api/v1/search?q=ngan%20sach", user=self.member).json()
        self.assertEqual(payload["counts"]["conclusion"], 1000)
        self.assertEqual(payload["capped"], ["conclusion"])
        self.assertEqual(payload["total"], sum(payload["counts"].values()))
        # Those who may not see the meeting count none of it.
        outsider = self.api("get", "/api/v1/search?q=ngan%20sach", user=self.outsider).json()
        self.assertEqual((outsider["counts"], outsider["capped"], outsider["total"]), ({}, [], 0))
        client = self.client_for(self.member)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
        english = client.get("/search/", {"q": "ngân sách"})
        self.assertContains(english, "All (1,002+)")
        self.assertContains(english, "more than 1,002 results")

    def test_changes_follow_the_actions(self):
        with self.captureOnCommitCallbacks(execute=True):
            f.upload_document(self.meeting, by=self.member, title="Góp ý của thành viên", item=self.item)  # pending
        # A pending document is seen by its uploader and the runners, not the other members.
        self.assertTrue(self.found(self.member, "gop y").items)
        self.assertTrue(self.found(self.owner, "gop y").items)
        self.assertFalse(self.found(self.guest, "gop y").items)
        with self.captureOnCommitCallbacks(execute=True):
            do_delete_document(self.public, actor=self.owner)
        self.assertFalse(SearchEntry.objects.filter(document_id=self.public.pk).exists())
        self.assertFalse(SearchPage.objects.filter(document_id=self.public.pk).exists())
        self.assertNotIn("document", {r.kind for r in self.found(self.owner, "ke hoach dau tu").items})

    def test_reindex_command_rebuilds(self):
        with self.captureOnCommitCallbacks(execute=True):
            doc = f.upload_document(self.meeting, by=self.owner, title="Báo cáo quyết toán",
                                    data=make_pdf(2, "Quyết toán chi đầu tư huyện"))

        def rows():
            # The class's documents were stored in another test's media folder: only this
            # test's document can be read again.
            return (sorted(SearchEntry.objects.values_list("kind", "object_id", "title")),
                    sorted(SearchPage.objects.exclude(document__in=[self.public, self.secret])
                           .values_list("document_id", "page", "body")))

        before = rows()
        self.assertIn((doc.pk, 2, "Quyết toán chi đầu tư huyện — trang 2"), before[1])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM meetings_searchentry")
            cursor.execute("DELETE FROM meetings_searchpage")
        self.assertEqual(self.found(self.owner, "quyet toan").items, [])
        out = io.StringIO()
        call_command("reindex_search", stdout=out)
        self.assertEqual(rows(), before)
        hit = self.found(self.owner, "chi dau tu huyen").items[0]
        self.assertEqual((hit.object, hit.page), (doc, 1))
        self.assertIn("rebuilt", out.getvalue())

    def test_search_page(self):
        response = self.client_for(self.member).get("/search/", {"q": "ĐỀN BÙ"})
        self.assertContains(response, "<mark>đền</mark> <mark>bù</mark>")
        self.assertContains(response, "&lt;script&gt;")
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, 'data-testid="search-page"')
        guest = self.client_for(self.guest).get("/search/", {"q": "ĐỀN BÙ"})
        self.assertContains(guest, 'data-testid="search-empty"')
        self.assertNotContains(guest, "Tài liệu mật")
        outsider = self.client_for(self.outsider).get("/search/", {"q": "ngân sách"})
        self.assertContains(outsider, 'data-testid="search-empty"')
        self.assertEqual(self.client.get("/search/", {"q": "ngân sách"}).status_code, 302)
        kind = self.client_for(self.owner).get("/search/", {"q": "ngân sách", "kind": "meeting"})
        self.assertContains(kind, 'data-kind="meeting"')
        self.assertNotContains(kind, 'data-kind="document"')
        self.assertContains(kind, 'data-testid="search-kind-document"')
        self.assertContains(self.client_for(self.owner).get("/search/", {"q": "!!!"}), 'data-testid="search-error"')
        for bad in ({"q": "x", "kind": "users"}, {"q": "x", "page": "0"}, {"q": "x" * 201}, {"q": "x", "page": "a"}):
            response = self.client_for(self.owner).get("/search/", bad)
            self.assertEqual(response.status_code, 400, bad)
        self.assertEqual(self.client_for(self.owner).get("/search/").status_code, 200)

    def test_api(self):
        payload = self.api("get", "/api/v1/search?q=giai%20phong%20mat%20bang", user=self.member).json()
        self.assertEqual(payload["total"], 1)
        hit = payload["results"][0]
        self.assertEqual((hit["kind"], hit["id"], hit["meeting"]), ("document", self.secret.pk, self.meeting.pk))
        self.assertIn("<mark>giải</mark>", hit["snippet"])
        self.assertIn(hit["page"], (1, 2))
        for user in (self.guest, self.outsider):
            self.assertEqual(self.api("get", "/api/v1/search?q=giai%20phong", user=user).json()["results"], [])
        self.assert_error(self.api("get", "/api/v1/search?q=giai"), 401)
        self.assert_error(self.api("get", "/api/v1/search?q=a&limit=500", user=self.member), 400)
        self.assert_error(self.api("get", "/api/v1/search?q=a&kind=user", user=self.member), 400)
        self.assert_error(self.api("get", "/api/v1/search?q=a&offset=-1", user=self.member), 400)
        self.assertEqual(self.api("get", "/api/v1/search?q=%22%22", user=self.member).json()["total"], 0)


def engine_rows(entry_ids) -> dict[str, int]:
    """How many rows the engine holds for these entries: SQLite's two FTS5 tables, or the
    entries carrying PostgreSQL's two vectors."""
    ids = list(entry_ids)
    marks = ", ".join(["%s"] * len(ids)) or "NULL"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            counts = {}
            for table in (FTS, HEAD_FTS):
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE rowid IN ({marks})", ids)
                counts[table] = cursor.fetchone()[0]
            return counts
        cursor.execute(f"SELECT COUNT(vector), COUNT(rank_vector) FROM meetings_searchentry WHERE id IN ({marks})", ids)
        vector, rank_vector = cursor.fetchone()
        return {"vector": vector, "rank_vector": rank_vector}


class _Editor:
    """What the migrations' functions use of a schema editor, inside the test's transaction (the
    SQLite schema editor refuses to open in one; SQLite's and PostgreSQL's DDL roll back)."""

    def __init__(self) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


class SearchHeadTests(BaseTestCase):
    """Both engines rank the matches by the title and the head of the text (the first
    RANKED_HEAD characters) and find, after them, what matches only deeper in the text.
    member reads the confidential document; guest is invited but not a reader; outsider is
    not invited."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with cls.captureOnCommitCallbacks(execute=True):
            cls.meeting = f.make_meeting(by=cls.owner, title="Họp giao ban", members=[cls.member],
                                         guests=[cls.guest], status=Meeting.Status.SCHEDULED)
            # Made in the order opposite to the expected ranking: ids cannot explain it.
            cls.deep = f.upload_document(cls.meeting, by=cls.owner, title="Phụ lục số 1")
            cls.opening = f.upload_document(cls.meeting, by=cls.owner, title="Phụ lục số 2")
            cls.titled = f.upload_document(cls.meeting, by=cls.owner, title="Hồ chứa nước Ea Súp")
            cls.secret = f.upload_document(cls.meeting, by=cls.owner, title="Tài liệu mật", confidential=True)
            do_set_readers(cls.secret, actor=cls.owner, usernames=[cls.member.username])
        # The deep one says it most often, but only past its head; the opening once, at the start.
        search.index_document_pages(cls.deep.pk, texts=[FILLER, FILLER + "Hồ chứa nước. " * 30])
        search.index_document_pages(cls.opening.pk, texts=["Hồ chứa nước đã xuống cấp. " + FILLER])
        search.index_document_pages(cls.titled.pk, texts=[FILLER])
        search.index_document_pages(cls.secret.pk, texts=[FILLER, FILLER + "Phương án di dời khu Đông Bắc."])

    def ranked(self, user, q, **kw):
        return [r.object.pk for r in search.search(user, q, kinds=["document"], **kw).items]

    def entry_ids(self, *documents):
        return list(SearchEntry.objects.filter(kind="document", object_id__in=[d.pk for d in documents])
                    .values_list("pk", flat=True))

    def test_head_is_a_prefix_cut_between_words(self):
        text = fold(FILLER + "Hồ chứa nước")
        cut = head(text)
        self.assertTrue(text.startswith(cut))
        self.assertLessEqual(len(cut), RANKED_HEAD)
        self.assertGreater(len(cut), RANKED_HEAD - 20)
        self.assertTrue(text[len(cut)].isspace() or cut.endswith(" "))  # no word cut in two
        self.assertEqual(head("ngan sach"), "ngan sach")

    def test_title_then_head_then_only_deep_in_the_text(self):
        for q in ("hồ chứa nước", '"ho chua nuoc"'):
            found = search.search(self.owner, q, kinds=["document"])
            self.assertEqual([r.object.pk for r in found.items], [self.titled.pk, self.opening.pk, self.deep.pk], q)
            self.assertEqual(found.counts, {"document": 3}, q)
            ranks = [r.rank for r in found.items]
            self.assertGreater(ranks[0], ranks[1], q)
            self.assertGreater(ranks[1], ranks[2], q)
            # The pages follow the same order.
            self.assertEqual(self.ranked(self.owner, q, limit=1, offset=2), [self.deep.pk], q)
            self.assertEqual(self.ranked(self.owner, q, limit=2, offset=0), [self.titled.pk, self.opening.pk], q)

    def test_a_match_only_beyond_the_head_is_found_in_order_of_id(self):
        with self.captureOnCommitCallbacks(execute=True):
            later = f.upload_document(self.meeting, by=self.owner, title="Phụ lục số 3")
        search.index_document_pages(later.pk, texts=[FILLER + "Hồ chứa nước."])
        # A word and a phrase that are only past the head: found, ranked after the heads, by id.
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc")[2:], [self.deep.pk, later.pk])
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc", limit=1, offset=3), [later.pk])
        self.assertEqual(self.ranked(self.owner, '"ho chua nuoc"', limit=2, offset=2), [self.deep.pk, later.pk])
        # Every document has the other words in its head: all four are found. SQLite ranks only
        # the heads with every word; PostgreSQL's ts_rank also counts a head with some of them.
        both = self.ranked(self.owner, "ho chua nuoc ra soat")
        self.assertEqual(set(both), {self.titled.pk, self.opening.pk, self.deep.pk, later.pk})
        self.assertLess(both.index(self.deep.pk), both.index(later.pk))
        if connection.vendor == "sqlite":
            self.assertEqual((set(both[:2]), both[2:]), ({self.titled.pk, self.opening.pk}, [self.deep.pk, later.pk]))

    def test_deep_confidential_text_only_for_its_readers(self):
        q = "di dời đông bắc"
        for user in (self.owner, self.member, self.admin):  # runs the meeting, a reader, the administrator
            found = search.search(user, q)
            self.assertEqual([(r.kind, r.object.pk) for r in found.items], [("document", self.secret.pk)], user)
            self.assertEqual(found.counts, {"document": 1}, user)
        for user in (self.guest, self.outsider):  # invited, not a reader; not invited
            found = search.search(user, q)
            self.assertEqual((found.items, found.counts), ([], {}), user)
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(search.search(AnonymousUser(), q).items, [])
        # Its head ranks for nobody who may not read it either.
        self.assertNotIn(self.secret.pk, self.ranked(self.guest, "ra soat chi thuong xuyen"))
        self.assertIn(self.secret.pk, self.ranked(self.member, "ra soat chi thuong xuyen"))

    def test_a_deleted_entry_leaves_both_tables(self):
        ids = self.entry_ids(self.deep, self.opening)
        self.assertEqual(set(engine_rows(ids).values()), {2})
        with self.captureOnCommitCallbacks(execute=True):
            do_delete_document(self.deep, actor=self.owner)
        self.assertEqual(set(engine_rows(ids).values()), {1})
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc"), [self.titled.pk, self.opening.pk])
        # A meeting's deletion cascades to its entries (no signal for each): the engine follows.
        Meeting.objects.filter(pk=self.meeting.pk).delete()
        self.assertEqual(set(engine_rows(ids).values()), {0})
        self.assertEqual(search.search(self.owner, "ho chua nuoc").items, [])

    def test_reindexing_does_not_duplicate_heads(self):
        for _ in range(2):
            search.index_document(self.opening.pk)
            search.index_document_pages(self.opening.pk, texts=["Hồ chứa nước đã xuống cấp. " + FILLER])
        ids = self.entry_ids(self.opening)
        self.assertEqual(len(ids), 1)
        self.assertEqual(set(engine_rows(ids).values()), {1})
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc"), [self.titled.pk, self.opening.pk, self.deep.pk])
        search.rebuild(pages=False)
        rows = engine_rows(SearchEntry.objects.values_list("pk", flat=True))
        self.assertEqual(set(rows.values()), {SearchEntry.objects.count()}, rows)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                for table in (FTS, HEAD_FTS):  # nothing left of the rows before the rebuild
                    cursor.execute(f"SELECT COUNT(*) FROM {table}")
                    self.assertEqual(cursor.fetchone()[0], SearchEntry.objects.count(), table)
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc"), [self.titled.pk, self.opening.pk, self.deep.pk])

    def test_migration_writes_the_heads_of_what_is_indexed_and_its_reverse_drops_them(self):
        migration = importlib.import_module("meetings.migrations.0015_search_heads")
        editor = _Editor()
        tables = "SELECT name FROM sqlite_master WHERE name IN (%s, %s) ORDER BY name"
        migration.drop_heads(None, editor)
        if connection.vendor != "sqlite":  # PostgreSQL's heads are the rank vectors: untouched
            ids = self.entry_ids(self.deep, self.opening, self.titled)
            self.assertEqual(engine_rows(ids), {"vector": 3, "rank_vector": 3})
            migration.install_heads(None, editor)
            self.assertEqual(self.ranked(self.owner, "ho chua nuoc"), [self.titled.pk, self.opening.pk, self.deep.pk])
            return
        with connection.cursor() as cursor:
            cursor.execute(tables, [HEAD_FTS, f"{HEAD_FTS}_delete"])
            self.assertEqual(cursor.fetchall(), [])
            migration.install_heads(None, editor)
            cursor.execute(tables, [HEAD_FTS, f"{HEAD_FTS}_delete"])
            self.assertEqual([n for (n,) in cursor.fetchall()], [HEAD_FTS, f"{HEAD_FTS}_delete"])
            cursor.execute(f"SELECT rowid, title, head FROM {HEAD_FTS} ORDER BY rowid")
            heads = cursor.fetchall()
            cursor.execute(f"SELECT rowid, title, body FROM {FTS} ORDER BY rowid")
            self.assertEqual(heads, [(pk, title, head(body)) for pk, title, body in cursor.fetchall()])
        self.assertEqual(len(heads), SearchEntry.objects.count())
        deep = self.entry_ids(self.deep)[0]
        self.assertNotIn("ho chua nuoc", dict((pk, h) for pk, _, h in heads)[deep])
        self.assertEqual(self.ranked(self.owner, "ho chua nuoc"), [self.titled.pk, self.opening.pk, self.deep.pk])
