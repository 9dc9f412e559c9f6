"""Search latency over 10,000 documents of 20 pages each (issue 13: p95 per query <= 200 ms).

Standalone: a temporary SQLite database (or the one DATABASE_URL names, flushed first: give it a
database of its own), migrated; 400 meetings of a province's committee with 25 documents each
(10% confidential, with readers), 200 officials; the index rows written directly (a row per document
with its title and the text of its 20 pages of Vietnamese administrative prose, about 1,300
characters a page, and the 20 page rows). Then
each query runs `--repeat` times through `meetings.search.search` (counts, the ranked page of 20
results, their snippets) as a member invited to 40 meetings, and as the committee's secretary
who runs every meeting (they see every document), and the script prints p50/p95/max per query.

    .venv/bin/python bench/search.py [--documents 10000] [--pages 20] [--repeat 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecab_search .venv/bin/python bench/search.py
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Real words of Vietnamese administrative writing (with every diacritic), grouped as they are used.
PHRASES = """
ngân sách nhà nước|dự toán ngân sách|kế hoạch đầu tư công trung hạn|giải ngân vốn đầu tư|Ủy ban nhân dân tỉnh|
Hội đồng nhân dân|Sở Tài chính|Sở Kế hoạch và Đầu tư|Sở Xây dựng|Sở Giao thông vận tải|Sở Tài nguyên và Môi trường|
Sở Nông nghiệp và Phát triển nông thôn|Sở Y tế|Sở Giáo dục và Đào tạo|Sở Nội vụ|Sở Tư pháp|Thanh tra tỉnh|
Văn phòng Ủy ban nhân dân|giải phóng mặt bằng|bồi thường hỗ trợ tái định cư|quy hoạch sử dụng đất|
chương trình mục tiêu quốc gia|xây dựng nông thôn mới|giảm nghèo bền vững|chuyển đổi số|chính quyền điện tử|
cải cách hành chính|thủ tục hành chính|dịch vụ công trực tuyến|đơn vị sự nghiệp công lập|biên chế công chức|
tinh giản biên chế|phòng chống tham nhũng|thực hành tiết kiệm|chống lãng phí|kiểm tra giám sát|quyết toán|
thu ngân sách|chi thường xuyên|chi đầu tư phát triển|nguồn vốn|trái phiếu chính phủ|vốn ODA|đối tác công tư|
dự án|công trình|hạ tầng giao thông|đường tỉnh|cầu|kênh mương|thủy lợi|đê điều|phòng chống thiên tai|
biến đổi khí hậu|bảo vệ môi trường|xử lý chất thải rắn|nước sạch nông thôn|y tế cơ sở|trạm y tế xã|
bệnh viện đa khoa tỉnh|trường học|giáo dục nghề nghiệp|an sinh xã hội|bảo hiểm xã hội|bảo hiểm y tế|
người có công|đồng bào dân tộc thiểu số|miền núi|vùng đặc biệt khó khăn|du lịch|thương mại|xuất khẩu|
khu công nghiệp|cụm công nghiệp|thu hút đầu tư|doanh nghiệp nhỏ và vừa|hợp tác xã|đất đai|
giấy chứng nhận quyền sử dụng đất|khoáng sản|rừng phòng hộ|an ninh trật tự|quốc phòng địa phương|
báo cáo kết quả thực hiện|tờ trình|dự thảo nghị quyết|dự thảo quyết định|đề án|kế hoạch|
kết luận của Chủ tịch|ý kiến thẩm định|ý kiến của các thành viên|tổng hợp ý kiến|tiếp thu giải trình|
thời hạn hoàn thành|đúng quy định|theo thẩm quyền|trình Hội đồng nhân dân tỉnh xem xét|
đề nghị Ủy ban nhân dân tỉnh|giao Sở Tài chính chủ trì|phối hợp với các sở ngành|báo cáo trước ngày|
năm 2026|năm 2027|giai đoạn 2026-2030|quý IV|sáu tháng đầu năm|tỷ đồng|triệu đồng|tỷ lệ|tăng trưởng|
chỉ tiêu|nhiệm vụ trọng tâm|giải pháp|tồn tại hạn chế|nguyên nhân|khó khăn vướng mắc|kiến nghị đề xuất
""".replace("\n", "").split("|")
LINKS = ["và", "của", "đối với", "trong", "theo", "về", "để", "cho", "tại", "các", "những", "được", "đã",
         "đang", "sẽ", "cần", "phải", "với", "từ", "đến", "trên", "là", "có", "không", "nhằm", "bảo đảm"]
RARE = "hồ chứa nước Ea Súp Thượng"  # in 12 pages of 6 documents only
TITLES = ["Tờ trình", "Báo cáo", "Dự thảo Quyết định", "Dự thảo Nghị quyết", "Đề án", "Kế hoạch", "Công văn"]
QUERIES = [
    ("accented", "ngân sách"),
    ("unaccented", "ngan sach"),
    ("upper-case", "NGÂN SÁCH"),
    ("multi-word", "kế hoạch đầu tư công trung hạn"),
    ("phrase", '"giải phóng mặt bằng"'),
    ("common word", "của"),
    ("common, unaccented", "uy ban nhan dan tinh"),
    ("rare", "Ea Súp"),
    ("rare, upper-case", "EA SUP THUONG"),
    ("đ folded", "dong bao dan toc"),
    ("no match", "tàu vũ trụ"),
]


def configure(tmp: Path) -> None:
    env = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "VAR_DIR": str(tmp), "LOG_LEVEL": "ERROR",
           "DJANGO_SETTINGS_MODULE": "ecabinet.settings"}
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.update(env)


def sentences(rnd: random.Random, count: int) -> list[str]:
    out = []
    for _ in range(count):
        words = []
        for _ in range(rnd.randint(4, 8)):
            words.append(rnd.choice(PHRASES))
            words.append(rnd.choice(LINKS))
        text = " ".join(words[:-1])
        out.append(text[0].upper() + text[1:] + rnd.choice([".", ".", ";", ":"]))
    return out


def seed(n_documents: int, n_pages: int) -> tuple[object, object, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from ecabinet.models import Unit, User
    from meetings.models import Document, Meeting, Participant, SearchEntry, SearchPage
    from meetings.search.backends import backend
    from meetings.search.text import fold

    rnd = random.Random(13)
    started = time.monotonic()
    unit = Unit.objects.create(name="Ủy ban nhân dân tỉnh (bench)")
    users = User.objects.bulk_create([User(username=f"bench{i}", full_name=f"Cán bộ {i}", unit=unit)
                                      for i in range(200)])
    secretary, reader = users[0], users[1]
    per_meeting = 25
    n_meetings = -(-n_documents // per_meeting)
    now = timezone.now()
    meetings = Meeting.objects.bulk_create([
        Meeting(title=f"Phiên họp thường kỳ {i} của {rnd.choice(PHRASES)}", unit=unit, created_by=secretary,
                starts_at=now - timedelta(days=i), ends_at=now - timedelta(days=i, hours=-3),
                status=Meeting.Status.ENDED) for i in range(n_meetings)])
    invited = set(rnd.sample(range(n_meetings), min(40, n_meetings)))
    people = []
    for i, m in enumerate(meetings):
        guests = set(rnd.sample(users[2:], 15)) | ({reader} if i in invited else set())
        people.append(Participant(meeting=m, user=secretary, role=Participant.Role.SECRETARY))
        people.extend(Participant(meeting=m, user=u, role=Participant.Role.MEMBER) for u in guests)
    Participant.objects.bulk_create(people)
    documents = Document.objects.bulk_create([
        Document(meeting=meetings[i // per_meeting], title=f"{rnd.choice(TITLES)} về {rnd.choice(PHRASES)}",
                 status=Document.Status.RELEASED, confidential=rnd.random() < 0.1, uploaded_by=secretary)
        for i in range(n_documents)], batch_size=2000)
    Readers = Document.readers.through
    Readers.objects.bulk_create([Readers(document_id=d.pk, user_id=u.pk) for d in documents if d.confidential
                                 for u in rnd.sample(users[1:], 3)], batch_size=5000)
    pool = sentences(rnd, 3000)
    folded = [fold(s) for s in pool]
    rare_pages = {(rnd.randrange(n_documents), rnd.randrange(1, n_pages + 1)) for _ in range(12)}
    engine = backend()
    batch: list[tuple[SearchEntry, str, str]] = []
    page_rows: list[SearchPage] = []

    def flush() -> None:
        # What meetings.search does, with the folding done once per sentence above.
        with transaction.atomic():
            SearchPage.objects.bulk_create(page_rows, batch_size=2000)
            created = SearchEntry.objects.bulk_create([e for e, _, _ in batch], batch_size=1000)
            engine.write([(e.pk, t, b) for e, (_, t, b) in zip(created, batch, strict=True)])
        batch.clear()
        page_rows.clear()

    for di, d in enumerate(documents):
        texts = []
        for page in range(1, n_pages + 1):
            picks = [rnd.randrange(len(pool)) for _ in range(14)]  # ~1,300 characters, ~280 syllables
            body = " ".join(pool[p] for p in picks)
            body_folded = " ".join(folded[p] for p in picks)
            if (di, page) in rare_pages:
                body += " Dự án " + RARE + "."
                body_folded += " " + fold("Dự án " + RARE)
            texts.append(body_folded)
            page_rows.append(SearchPage(document_id=d.pk, page=page, body=body))
        batch.append((SearchEntry(kind="document", object_id=d.pk, meeting_id=d.meeting_id, document_id=d.pk,
                                  title=d.title), fold(d.title), " ".join(texts)))
        if len(batch) >= 200:
            flush()
    for m in meetings:
        batch.append((SearchEntry(kind="meeting", object_id=m.pk, meeting_id=m.pk, title=m.title), fold(m.title), ""))
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE meetings_searchentry")
    else:
        with connection.cursor() as cursor:
            for table in ("meetings_search_fts", "meetings_search_head_fts"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    return reader, secretary, time.monotonic() - started


def measure(user: object, repeat: int) -> list[tuple[str, str, int, float, float, float]]:
    from meetings.search import search

    rows = []
    for label, q in QUERIES:
        times = []
        found = 0
        for _ in range(repeat):
            t = time.perf_counter()
            result = search(user, q, limit=20)  # type: ignore[arg-type]
            times.append((time.perf_counter() - t) * 1000)
            found = result.total
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        rows.append((label, q, found, statistics.median(times), p95, times[-1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", help="a folder for the SQLite database, kept; measured again without seeding "
                                       "when it holds one already (with DATABASE_URL: the database is kept and "
                                       "measured again when it holds the bench's data already)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecab-search-bench-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        seeded = (folder / "bench.sqlite3").exists() and not os.environ.get("DATABASE_URL")
        configure(folder)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from ecabinet.models import User
        from meetings.models import SearchEntry

        call_command("migrate", verbosity=0)
        if args.keep and os.environ.get("DATABASE_URL"):
            seeded = User.objects.filter(username__in=["bench0", "bench1"]).count() == 2
        if seeded:
            reader, secretary, seconds = User.objects.get(username="bench1"), User.objects.get(username="bench0"), 0.0
        else:
            if "sqlite" not in connection.vendor:
                call_command("flush", interactive=False, verbosity=0)
            reader, secretary, seconds = seed(args.documents, args.pages)

        print(f"engine: {connection.vendor}; {args.documents} documents x {args.pages} pages; "
              f"{SearchEntry.objects.count()} index rows written in {seconds:.0f} s")
        for who, user in (("member of 40 meetings", reader), ("secretary of every meeting", secretary)):
            print(f"\nas {who}:")
            print(f"{'query':<22} {'text':<34} {'found':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for label, q, found, p50, p95, top in measure(user, args.repeat):
                print(f"{label:<22} {q:<34} {found:>7} {p50:>8.1f} {p95:>8.1f} {top:>8.1f}")


if __name__ == "__main__":
    main()
