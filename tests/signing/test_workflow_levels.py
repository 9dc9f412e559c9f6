"""Signature levels through the workflow: B-LT (timestamp + the installation CRL embedded)."""

from __future__ import annotations

from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import override_settings
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.actions import do_add_trust_root
from signing.models import SignatureRecord
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import build_crl_der, installation_trust_roots
from tests.kit.cases import SigningTestCase
from tests.signing.servers.testpki import issue, make_ca
from tests.signing.servers.tsa import TimestampAuthority, TSAServer
from tests.signing.test_workflow_backends import verify_with_roots


class LongTermTests(SigningTestCase):
    @pytest.fixture(autouse=True)
    def _tsa(self):
        self.tsa_root = make_ca("eCabinet Test TSA Root")
        with TSAServer(TimestampAuthority(issue(self.tsa_root, "eCabinet Test TSA", timestamping=True))) as tsa:
            self.tsa = tsa
            with override_settings(SIGNING_TSA_URL=f"{tsa.url}/tsa"):
                yield

    def add_tsa_root(self):
        # the admin trusts the timestamp authority's root (admin page "trust roots")
        pem = self.tsa_root.cert.public_bytes(serialization.Encoding.PEM).decode()
        do_add_trust_root(actor=self.admin, pem=pem, name="TSA root")

    def test_b_lt_signature_embeds_the_installation_crl_and_verifies_valid(self):
        self.add_tsa_root()
        document = self.make_own_document(self.owner)
        response = self.sign(document, self.owner, level="B-LT", reason="Ký lưu trữ dài hạn")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["level"], "B-LT")
        self.assertEqual(SignatureRecord.objects.get(document=document).level, "B-LT")
        signed = self.latest_bytes(document)

        reader = PdfFileReader(BytesIO(signed))
        dss = reader.root["/DSS"]
        embedded_crls = [bytes(crl.get_object().data) for crl in dss["/CRLs"]]
        crl = build_crl_der()
        # the CRL embedded is the installation's (same issuer, same revocation list)
        from cryptography import x509

        mine = x509.load_der_x509_crl(crl)
        self.assertTrue(any(x509.load_der_x509_crl(c).issuer == mine.issuer for c in embedded_crls))
        self.assertGreaterEqual(len(dss["/Certs"]), 1)

        report = verify_with_roots(signed, [self.tsa_root])
        self.assertEqual(report["status"], "valid", report)
        (sig,) = report["signatures"]
        self.assertTrue(sig["timestamped"])
        report = verify_pdf_bytes(signed, trust_roots=[*installation_trust_roots()])
        self.assertEqual(report["status"], "valid", report)

    def test_b_lt_with_an_untrusted_timestamp_authority_is_refused_clearly(self):
        document = self.make_own_document(self.owner)
        files = self.media_files()
        self.assert_error(self.sign(document, self.owner, level="B-LT"), 400, "lt_untrusted")
        self.assertEqual(document.versions.count(), 1)
        self.assertEqual(self.media_files(), files)

    def test_default_level_with_a_tsa_is_b_t_and_unknown_level_refused(self):
        document = self.make_own_document(self.owner)
        self.assert_error(self.sign(document, self.owner, level="B-LTA"), 400, "bad_level")
        response = self.sign(document, self.owner)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["level"], "B-T")

    def test_b_lt_without_a_timestamp_server_is_refused_before_the_pin(self):
        document = self.make_own_document(self.owner)
        with override_settings(SIGNING_TSA_URL=None):
            self.assert_error(self.sign(document, self.owner, level="B-LT", pin="sai-pin-123"), 400,
                              "no_timestamp_server")
        self.assertEqual(document.versions.count(), 1)
