"""A real browser signs two documents in one batch (one PIN entry, progress per row), then an
anonymous visitor verifies the result on the public page."""

from __future__ import annotations

from unittest import mock

import pytest

from meetings.models import Document
from signing.actions import do_create_request
from signing.actions.certificates import issue_certificate_for
from signing.actions.documents import store_version
from signing.pdf import pki
from signing.trust import ensure_installation_ca
from tests.base import PASSWORD, make_user
from tests.conftest import require_tool
from tests.signing.flow import PIN, make_pdf

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with mock.patch.multiple(pki, _ARGON2_ITERATIONS=1, _ARGON2_MEMORY_KIB=1024, _ARGON2_LANES=1):
        yield


@pytest.mark.django_db(transaction=True)
def test_batch_sign_in_the_browser_then_verify_publicly(live_server, media, tmp_path, monkeypatch):
    require_tool("chromium", "chromium")
    # Playwright's sync API runs an event loop in this thread; our ORM reads here are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ensure_installation_ca()
    owner = make_user("owner", full_name="Nguyễn Văn Chủ")
    signer = make_user("signer", full_name="Trần Thị Ký")
    issue_certificate_for(signer, PIN)
    documents = []
    for title in ("Tờ trình số 1", "Tờ trình số 2"):
        document = Document.objects.create(title=title, uploaded_by=owner, status="released")
        store_version(document, make_pdf(1, title), actor=owner, note="upload")
        do_create_request(document, actor=owner, signers=[signer], sequential=True)
        documents.append(document)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
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
        finally:
            browser.close()
