"""Headless Chromium at phone size (360 px): a document's signing page lists no one; the person
asking for signatures types part of a name in "Thêm người ký", picks the suggestion from the
document's people lookup (GET /api/v1/signing/documents/{id}/people), which appends the username
as a line of "who signs", and sends the request (issue 13)."""

from __future__ import annotations

import pytest

from ecabinet.models import User
from signing.models import SigningRequest
from tests.kit.browser import new_context
from tests.kit.factories import upload_own_document
from tests.kit.files import make_pdf
from tests.kit.pagewatch import Watch, script_errors
from tests.kit.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
FIELD = "#signer-add"
SUGGESTIONS = f"{FIELD} + ul[data-testid=people-suggestions]"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_uploader_picks_signers_by_name_and_asks_on_a_phone(browser, live_server, media, own_connection):
    owner = make_user("nguoitai", full_name="Nguyễn Văn Người Tải")
    deputy = make_user("phogiamdoc", full_name="Trần Văn Phó Giám Đốc")
    User.objects.bulk_create([User(username=f"canbo{n:02d}", full_name=f"Cán Bộ Số {n:02d}") for n in range(50)])
    document = upload_own_document(by=owner, title="Tờ trình mua sắm thiết bị", data=make_pdf(1, "To trinh"))

    context = new_context(browser, live_server.url, owner, phone=True, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/signing/documents/{document.pk}/")
    assert page.locator("datalist option").count() == 0  # the page lists no one
    assert "canbo" not in page.content()
    assert "phogiamdoc" not in page.content()
    assert page.locator(FIELD).get_attribute("aria-autocomplete") == "list"
    assert page.locator("label[for=signer-add]").inner_text() == "Thêm người ký"

    # a tap on the suggestion: the username becomes the first line, the field is emptied
    page.locator(FIELD).press_sequentially("Phó Giám", delay=40)
    offered = page.locator(SUGGESTIONS).locator("li")
    offered.first.wait_for()
    assert offered.all_inner_texts() == ["Trần Văn Phó Giám Đốc phogiamdoc"]
    assert not page.evaluate(OVERFLOW)
    offered.first.click()
    assert page.input_value("#signers") == "phogiamdoc"
    assert page.input_value(FIELD) == ""
    assert not page.locator(SUGGESTIONS).is_visible()

    # fifty people named alike: a few suggestions; Enter takes the first and sends nothing
    page.locator(FIELD).press_sequentially("Cán Bộ", delay=40)
    page.locator(SUGGESTIONS).locator("li[data-username='canbo00']").wait_for()
    assert page.locator(SUGGESTIONS).locator("li").count() == 20
    assert not page.evaluate(OVERFLOW)
    page.locator(FIELD).press("Enter")
    assert page.input_value("#signers") == "phogiamdoc\ncanbo00"
    assert page.input_value(FIELD) == ""
    assert not SigningRequest.objects.exists()

    # the same person picked again is not listed twice
    page.locator(FIELD).press_sequentially("Phó Giám", delay=40)
    page.locator(SUGGESTIONS).locator("li[data-username='phogiamdoc']").click()
    assert page.input_value("#signers") == "phogiamdoc\ncanbo00"

    page.get_by_test_id("ask-signatures").click()
    page.wait_for_selector("[data-testid=request-status]")
    request = SigningRequest.objects.get(document=document)
    assert [s.user for s in request.signers.order_by("order")] == [deputy, User.objects.get(username="canbo00")]
    assert request.sequential
    assert page.locator("[data-testid=signer-row]").count() == 2
    assert not page.evaluate(OVERFLOW)
    assert not script_errors([watch])
    context.close()
