"""One reading rule for a document, whichever door is knocked on: the meetings API, the meetings
pages and the signing pages all ask meetings/access.py: document_for_reader."""

from __future__ import annotations

from django.core.files.base import ContentFile

from signing.actions.documents import do_upload_for_signing
from signing.actions.requests import do_create_request
from tests.kit.cases import BaseTestCase
from tests.kit.files import make_pdf

DOORS = (
    "/api/v1/documents/{id}/file",
    "/api/v1/documents/{id}",
    "/signing/documents/{id}/file",
    "/signing/documents/{id}/",
    "/documents/{id}/view/",
)


class ReadingRuleTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A PDF of the owner's own, outside any meeting: theirs, and then the outsider's to sign.
        cls.document = do_upload_for_signing(actor=cls.owner, upload=ContentFile(make_pdf(1), name="qd.pdf"),
                                          title="Quyết định phê duyệt")

    def status(self, user, door: str) -> int:
        return self.client_for(user).get(door.format(id=self.document.pk)).status_code

    def test_the_uploader_reads_through_every_door(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                self.assertEqual(self.status(self.owner, door), 200)

    def test_a_stranger_reads_through_none(self) -> None:
        for door in DOORS:
            with self.subTest(door=door):
                self.assertEqual(self.status(self.outsider, door), 404)
                self.assertIn(self.client.get(door.format(id=self.document.pk)).status_code, (302, 401))

    def test_someone_asked_to_sign_reads_through_every_door(self) -> None:
        do_create_request(self.document, actor=self.owner, signers=[self.outsider])
        for door in DOORS:
            with self.subTest(door=door):
                self.assertEqual(self.status(self.outsider, door), 200)
        # ... and only that document: the member, not asked, still reads nothing.
        for door in DOORS:
            with self.subTest(door=door, who="member"):
                self.assertEqual(self.status(self.member, door), 404)
