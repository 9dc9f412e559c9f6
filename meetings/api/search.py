"""GET /api/v1/search: the search page's results as JSON, the same engine and access rules."""

from __future__ import annotations

from ninja import Query, Router

from ecabinet.http import AuthenticatedHttpRequest
from meetings import search as engine
from meetings.schemas import Out
from meetings.schemas_search import SearchIn, SearchKind

router: Router = Router(tags=["search"])


class SearchHitOut(Out):
    kind: str
    id: int
    title: str
    snippet: str
    url: str
    rank: float
    page: int | None
    meeting: int | None


class SearchOut(Out):
    query: str
    total: int
    counts: dict[str, int]
    capped: list[SearchKind]
    results: list[SearchHitOut]


DESCRIPTION = """vi: Tìm trong các cuộc họp, nội dung chương trình họp, tài liệu (tiêu đề và nội dung từng
trang), các đợt lấy ý kiến bằng văn bản và kết luận mà người gọi được xem. Không phân biệt dấu và chữ
hoa/thường ("ngan sach" tìm thấy "NGÂN SÁCH"); đặt cụm từ trong dấu nháy kép để tìm đúng cụm. Kết quả
xếp theo mức độ phù hợp; `snippet` là HTML đã thoát ký tự, chỉ thêm thẻ <mark> quanh từ khớp; `page`
là số trang của tài liệu có đoạn khớp. `counts` đếm theo loại trên mọi loại, mỗi loại đếm tối đa đến
1.000: `capped` liệt kê các loại có nhiều kết quả hơn con số trong `counts` (khi đó `total` là số tối
thiểu); phân trang (`offset`) đi được đến hết số đã đếm. `kind` lọc một loại.

en: Search the meetings, agenda items, documents (title and every page's text), written-opinion
rounds and conclusions the caller may see. Insensitive to diacritics and case ("ngan sach" finds
"NGÂN SÁCH"); put a phrase in double quotes to match it as such. Ranked best first; `snippet` is
escaped HTML with only <mark> added around the matched words; `page` is the document's page of the
excerpt. `counts` are per kind over every kind, each counted up to 1,000 only: `capped` lists the
kinds with more results than their number in `counts` says (`total` is then a lower bound); the
pages (`offset`) reach as far as the counts. `kind` keeps one kind."""


@router.get("/search", response=SearchOut, summary="Search (Tìm kiếm)", description=DESCRIPTION)
def search_endpoint(request: AuthenticatedHttpRequest, filters: Query[SearchIn]):
    results = engine.search(request.user, filters.q, kinds=[filters.kind] if filters.kind else None,
                            limit=filters.limit, offset=filters.offset)
    return {
        "query": filters.q, "total": results.total, "counts": results.counts, "capped": list(results.capped),
        "results": [{"kind": r.kind, "id": r.object.pk, "title": r.title, "snippet": str(r.snippet), "url": r.url,
                     "rank": r.rank, "page": r.page, "meeting": r.meeting.pk if r.meeting else None}
                    for r in results.items],
    }
