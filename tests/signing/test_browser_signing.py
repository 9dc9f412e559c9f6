"""A real browser signs two documents in one batch (one PIN entry, progress per row), then an
anonymous visitor verifies the result on the public page."""

from __future__ import annotations

from unittest import mock

import pytest

from signing.pdf import pki
from tests.kit.cases import PIN
from tests.kit.factories import ask_to_sign, give_certificate, upload_own_document
from tests.kit.files import make_pdf
from tests.kit.users import PASSWORD, make_user


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1):
        yield


@pytest.mark.django_db(transaction=True)
def test_batch_sign_in_the_browser_then_verify_publicly(live_server, media, tmp_path, browser):
    owner = make_user("owner", full_name="Nguyễn Văn Chủ")
    signer = make_user("signer", full_name="Trần Thị Ký")
    give_certificate(signer, PIN)
    documents = []
    for title in ("Tờ trình số 1", "Tờ trình số 2"):
        document = upload_own_document(by=owner, title=title, data=make_pdf(1, title))
        ask_to_sign(document, [signer], by=owner)
        documents.append(document)

    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/login/?next=/signing/")
    page.fill("#id_username", "signer")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/signing/")
    assert page.locator("[data-testid=pending-row]").count() == 2
    for box in page.locator("input[name=documents]").all():
        box.check()
    page.fill("#batch-pin", PIN)
    page.click("[data-testid=batch-sign]")
    page.wait_for_selector("td.batch-status[data-result=signed] >> nth=1", timeout=60000)
    assert "2/2" in page.locator("#batch-summary").inner_text()  # "đã ký 2/2 tài liệu"
    assert page.input_value("#batch-pin") == ""  # the PIN does not linger in the page
    assert not [text for text in console if "Content Security Policy" in text]

    for document in documents:
        assert document.versions.count() == 2
    signed = tmp_path / "signed.pdf"
    with documents[0].versions.order_by("-number").first().file.open("rb") as fh:
        signed.write_bytes(fh.read())

    visitor = browser.new_page(locale="vi-VN")
    visitor.goto(f"{live_server.url}/login/")
    visitor.click("[data-testid=verify-link]")
    visitor.set_input_files("#file", str(signed))
    visitor.click("[data-testid=verify-button]")
    report = visitor.locator("[data-testid=verify-report]")
    assert report.get_attribute("data-status") == "valid"
    assert "Trần Thị Ký" in report.inner_text()
    assert "hợp lệ" in report.inner_text()
