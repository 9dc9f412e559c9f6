"""PAdES signing: prepare (placeholder + digest) -> sign the digest -> finish (embed the CMS).

One flow serves every backend. A local key, a PKCS#11 token or any pyHanko ``Signer`` goes
through :func:`sign_pdf`; a remote service that only signs hashes (CSC ``signHash``) uses
:func:`prepare_signature` and :func:`finish_signature` around its own round trip.

Every signature is an incremental update, so earlier signatures keep verifying.

Levels: ``B-B`` (default); ``B-T`` adds a signature timestamp from ``timestamper``; ``B-LT``
also needs a ``validation_context`` (built with ``allow_fetching=False`` plus the CRLs/OCSP
responses it should embed) and writes them into a DSS revision after the signature. Offline,
pyHanko can only embed what the context already holds: if a CRL for some certificate in the
chain is missing, pre-sign validation fails and signing is refused. B-LTA is not offered.
Give that context a ``revinfo_policy`` requiring CRL/OCSP for every certificate: the legacy
soft/hard-fail modes skip certificates without a CRL distribution point (see test_blt.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, TypeVar

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import attributes, fields, signers
from pyhanko.sign.general import (
    SigningError,
    as_signing_certificate_v2,
    get_pyca_cryptography_hash,
)
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PostSignInstructions
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import _speedups
from . import stamp as stamp_mod
from .errors import (
    CertificateProblem,
    CertificateRefused,
    DamagedPdf,
    EncryptedPdf,
    PageOutOfRange,
    PdfSigningError,
)
from .pki import PrivateKey, check_signing_certificate
from .stamp import StampInfo

__all__ = [
    "KeySigner",
    "PreparedSignature",
    "StampInfo",
    "finish_signature",
    "make_key_signer",
    "prepare_signature",
    "sign_pdf",
]

LEVELS = ("B-B", "B-T", "B-LT")
MD_ALGORITHM = "sha256"
# DER allowances for the parts of the CMS that are not certificates: SignerInfo with
# signed attributes (content type, digest, signing-certificate-v2, CMS algorithm protection)
# and the SignedData framing. Measured ~600 bytes; doubled for safety.
_CMS_OVERHEAD = 1500
# An RFC 3161 token carries the TSA certificate chain; 8 KB covers chains of 2-3 RSA certs.
_TIMESTAMP_ALLOWANCE = 8192

T = TypeVar("T")


class _Box:
    """Opaque result holder: asyncio may repr() a task's result, and the repr of a 10 MB
    ``bytes`` costs ~0.2 s."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<result>"


async def _boxed(coro: Coroutine[Any, Any, T]) -> _Box:
    return _Box(await coro)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also when called inside a running event loop
    (an async Django view calling through sync_to_async with thread_sensitive=False)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_boxed(coro)).value
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _boxed(coro)).result().value


# --- a local-key signer -------------------------------------------------------------------


class _CachedSigningCertificate(attributes.CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, der: bytes) -> None:
        self._der = der

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        # a freshly parsed value dumps from its cached encoding; a built one re-encodes
        # the issuer name every time (~10 ms in asn1crypto)
        return tsp.SigningCertificateV2.load(self._der)


class _SpecWithCachedCert:
    def __init__(self, inner: Any, der: bytes) -> None:
        self._inner = inner
        self._der = der

    def signed_attr_providers(self, data_digest: bytes, digest_algorithm: str):  # noqa: ANN201
        for prov in self._inner.signed_attr_providers(
            data_digest=data_digest, digest_algorithm=digest_algorithm
        ):
            if isinstance(prov, attributes.SigningCertificateV2Provider):
                yield _CachedSigningCertificate(self._der)
            else:
                yield prov


class CachedAttrsMixin:
    """Signer mixin: compute the signing-certificate-v2 attribute once per signer.
    Backends (PKCS#11, CSC) can mix it in front of their pyHanko signer class."""

    def _signed_attr_provider_spec(self, *args: Any, **kwargs: Any) -> Any:
        spec = super()._signed_attr_provider_spec(*args, **kwargs)  # type: ignore[misc]
        der = getattr(self, "_sigcert_v2_der", None)
        if der is None:
            der = as_signing_certificate_v2(self.signing_cert).dump()  # type: ignore[attr-defined]
            self._sigcert_v2_der = der
        return _SpecWithCachedCert(spec, der)


class KeySigner(CachedAttrsMixin, signers.Signer):
    """pyHanko signer over an in-memory ``cryptography`` key.

    pyHanko's ``SimpleSigner`` re-parses the key from DER on every ``sign_raw`` (~46 ms for
    RSA); this one keeps the parsed key object for the signer's lifetime."""

    def __init__(
        self,
        key: PrivateKey,
        cert: x509.Certificate,
        chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
    ) -> None:
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise TypeError("only EC and RSA keys are supported")
        self._key = key
        self.cert = cert
        signing_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        registry = SimpleCertificateStore.from_certs(
            [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in chain
            ]
        )
        super().__init__(signing_cert=signing_cert, cert_registry=registry, embed_roots=True)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        return self._key.sign(data, padding.PKCS1v15(), hash_algo)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(self._key.key_size // 8 + 16)
        return self.sign_raw(data, digest_algorithm)


def make_key_signer(
    key: PrivateKey, cert: x509.Certificate, chain: list[x509.Certificate] | None = None
) -> KeySigner:
    """Wrap an already-unlocked private key; build one per unlock and reuse it."""
    return KeySigner(key, cert, tuple(chain or ()))


# --- prepare / finish -----------------------------------------------------------------------


@dataclass
class PreparedSignature:
    """A document in its final pre-signing state, waiting for the raw signature.

    ``to_be_signed`` is the DER of the CMS signed attributes; ``digest`` is its hash under
    ``digest_algorithm`` - what a hash-signing service (CSC signHash, a PKCS#11 raw
    ECDSA/RSA mechanism) signs. ``signature_algorithm`` is the CMS name, e.g.
    ``sha256_ecdsa`` or ``sha256_rsa``."""

    digest: bytes
    digest_algorithm: str
    signature_algorithm: str
    to_be_signed: bytes
    field_name: str
    signing_cert: asn1_x509.Certificate
    _signer: signers.Signer = field(repr=False)
    _output: BytesIO = field(repr=False)
    _br_digest: PreparedByteRangeDigest = field(repr=False)
    _signed_attrs: cms.CMSAttributes = field(repr=False)
    _timestamper: TimeStamper | None = field(repr=False, default=None)
    _post_sign: PostSignInstructions | None = field(repr=False, default=None)
    _validation_context: ValidationContext | None = field(repr=False, default=None)
    _used: bool = field(repr=False, default=False)


def _open_writer(data: bytes) -> IncrementalPdfFileWriter:
    # What is a PDF is decided once, at upload (ecabinet/intake.py); here the parser's word is enough.
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise DamagedPdf(f"cannot read the PDF: {exc}") from exc
    if writer.prev.encrypted:
        raise EncryptedPdf("encrypted PDF files cannot be signed")
    try:
        writer.root["/Pages"]["/Count"]
    except (PdfError, KeyError, TypeError) as exc:
        raise DamagedPdf("the PDF has no page tree") from exc
    return writer


def _estimate_reserved(signer: signers.Signer, timestamped: bool) -> int:
    certs = [signer.signing_cert, *signer.cert_registry]
    der = sum(len(c.dump()) for c in certs if c is not None) + _CMS_OVERHEAD
    mech = signer.signing_cert.public_key if signer.signing_cert is not None else None
    der += 600 if mech is None else (mech.bit_size // 8 + 16)
    if timestamped:
        der += _TIMESTAMP_ALLOWANCE
    return 2 * der  # hex-encoded in /Contents


def _signer_cert_check(signer: signers.Signer) -> None:
    if signer.signing_cert is None:
        raise CertificateRefused("the signer has no certificate", reason="missing")
    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    try:
        check_signing_certificate(cert)
    except CertificateProblem as exc:
        raise CertificateRefused(exc.message, reason=exc.code) from exc


async def _aprepare(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str | None,
    reason: str,
    location: str,
    stamp: StampInfo | None,
    level: str,
    timestamper: TimeStamper | None,
    validation_context: ValidationContext | None,
    bytes_reserved: int | None,
) -> PreparedSignature:
    if level not in LEVELS:
        raise ValueError(f"unsupported level {level!r}; use one of {LEVELS}")
    if level in ("B-T", "B-LT") and timestamper is None:
        raise ValueError(f"level {level} needs a timestamper")
    if level == "B-LT" and validation_context is None:
        raise ValueError("level B-LT needs a validation_context with revocation info")
    _signer_cert_check(signer)
    _speedups.install()  # a signed input's /Contents are read again (earlier signatures)
    writer = _open_writer(data)

    page_count = int(writer.root["/Pages"]["/Count"])
    page = -1 if stamp is None else stamp.page
    page_ix = page if page >= 0 else page_count + page
    if not 0 <= page_ix < page_count:
        raise PageOutOfRange(f"page {page} is out of range (document has {page_count} pages)")

    try:
        layout = stamp_mod.plan(writer, page_ix, field_name)
    except PdfSigningError:
        raise
    except Exception as exc:
        raise DamagedPdf(f"cannot read the PDF structure: {exc}") from exc

    if layout.field_page is not None:
        page_ix = layout.field_page  # the empty field at the signer's block says where
    box = None
    style = None
    text_params = None
    placement = None
    if stamp is not None:
        placement, style, text_params = stamp_mod.appearance(
            stamp, writer, page_ix, layout.others_on_page
        )
        if layout.field_rect is not None:
            placement = stamp_mod.in_field(layout.field_rect)
        box = placement.box

    meta = signers.PdfSignatureMetadata(
        field_name=layout.field_name,
        reason=reason or (stamp.reason if stamp else None) or None,
        location=location or None,
        md_algorithm=MD_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=level == "B-LT",
        validation_context=validation_context,
        use_pades_lta=False,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=None
        if layout.field_rect is not None
        else fields.SigFieldSpec(sig_field_name=layout.field_name, on_page=page_ix, box=box),
    )
    try:
        session = pdf_signer.init_signing_session(writer)
        validation_info = await session.perform_presign_validation(writer)
        if bytes_reserved is None:
            bytes_reserved = _estimate_reserved(signer, timestamper is not None)
        bytes_reserved += bytes_reserved % 2
        tbs = session.prepare_tbs_document(
            validation_info=validation_info,
            bytes_reserved=bytes_reserved,
            appearance_text_params=text_params,
        )
        if placement is not None:
            stamp_mod.orient_widget(writer, layout.field_name, placement)
        output = BytesIO()
        br_digest, _ = tbs.digest_tbs_document(output=output)
    except SigningError as exc:
        if "certificate could not be validated" in str(exc):
            raise CertificateRefused(str(exc), reason="untrusted") from exc
        raise PdfSigningError(str(exc)) from exc
    except PdfError as exc:
        raise DamagedPdf(f"cannot update the PDF: {exc}") from exc

    signed_attrs = await signer.signed_attrs(
        br_digest.document_digest,
        MD_ALGORITHM,
        attr_settings=PdfCMSSignedAttributes(
            signing_time=session.system_time,
            adobe_revinfo_attr=None,
            cades_signed_attrs=meta.cades_signed_attr_spec,
        ),
        use_pades=True,
        timestamper=timestamper,
    )
    tbs_bytes = signed_attrs.dump()
    mech = signer.get_signature_mechanism_for_digest(MD_ALGORITHM)
    return PreparedSignature(
        digest=hashlib.new(MD_ALGORITHM, tbs_bytes).digest(),
        digest_algorithm=MD_ALGORITHM,
        signature_algorithm=mech["algorithm"].native,
        to_be_signed=tbs_bytes,
        field_name=layout.field_name,
        signing_cert=signer.signing_cert,
        _signer=signer,
        _output=output,
        _br_digest=br_digest,
        _signed_attrs=signed_attrs,
        _timestamper=timestamper,
        _post_sign=tbs.post_sign_instructions,
        _validation_context=validation_context,
    )


async def _afinish(prepared: PreparedSignature, raw_signature: bytes) -> bytes:
    if prepared._used:
        raise PdfSigningError("this prepared signature was already finished")
    prepared._used = True
    inner = prepared._signer
    # ExternalSigner packages a signature computed elsewhere with the same certificates and
    # mechanism the digest was prepared for; it also requests the B-T timestamp over it.
    external = signers.ExternalSigner(
        signing_cert=inner.signing_cert,
        cert_registry=inner.cert_registry,
        signature_value=raw_signature,
        signature_mechanism=inner.get_signature_mechanism_for_digest(prepared.digest_algorithm),
        embed_roots=inner.embed_roots,
    )
    cms_obj = await external.async_sign_prescribed_attributes(
        prepared.digest_algorithm,
        prepared._signed_attrs,
        timestamper=prepared._timestamper,
    )
    try:
        await PdfTBSDocument.async_finish_signing(
            prepared._output,
            prepared._br_digest,
            cms_obj,
            post_sign_instr=prepared._post_sign,
            validation_context=prepared._validation_context,
        )
    except SigningError as exc:
        # the most common cause: the CMS outgrew the reserved /Contents space
        raise PdfSigningError(str(exc)) from exc
    return prepared._output.getvalue()


def signature_fields(data: bytes) -> list[tuple[str, bool]]:
    """The signature fields of a PDF in the document's order: (name, filled)."""
    try:
        writer = _open_writer(data)
        return [(name, value is not None) for name, value, _ in fields.enumerate_sig_fields(writer)]
    except (PdfSigningError, PdfError, KeyError, TypeError, ValueError):
        return []


def prepare_signature(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str | None = None,
    reason: str = "",
    location: str = "",
    stamp: StampInfo | None = None,
    level: str = "B-B",
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    bytes_reserved: int | None = None,
) -> PreparedSignature:
    """Add the signature field/placeholder and compute what has to be signed.

    ``signer`` only has to know its certificate (``signing_cert``, ``cert_registry``);
    for a remote service use ``pyhanko.sign.signers.ExternalSigner`` with a placeholder
    signature value."""
    return run_sync(
        _aprepare(
            data,
            signer,
            field_name=field_name,
            reason=reason,
            location=location,
            stamp=stamp,
            level=level,
            timestamper=timestamper,
            validation_context=validation_context,
            bytes_reserved=bytes_reserved,
        )
    )


def finish_signature(prepared: PreparedSignature, raw_signature: bytes) -> bytes:
    """Embed the raw signature over ``prepared.to_be_signed`` and return the signed PDF."""
    return run_sync(_afinish(prepared, raw_signature))


def sign_pdf(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str | None = None,
    reason: str = "",
    location: str = "",
    stamp: StampInfo | None = None,
    level: str = "B-B",
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    bytes_reserved: int | None = None,
) -> bytes:
    """Sign ``data`` and return the new document (original bytes + one incremental update).

    Raises :class:`~signing.pdf.errors.PdfSigningError` subclasses on refused input; never
    returns partial output."""

    async def flow() -> bytes:
        prepared = await _aprepare(
            data,
            signer,
            field_name=field_name,
            reason=reason,
            location=location,
            stamp=stamp,
            level=level,
            timestamper=timestamper,
            validation_context=validation_context,
            bytes_reserved=bytes_reserved,
        )
        raw = await signer.async_sign_raw(prepared.to_be_signed, prepared.digest_algorithm)
        return await _afinish(prepared, raw)

    return run_sync(flow())


def verify_raw_signature(prepared: PreparedSignature, raw_signature: bytes) -> bool:
    """Check a remote service's answer before embedding it (catches a wrong key early)."""
    cert = x509.load_der_x509_certificate(prepared.signing_cert.dump())
    pub = cert.public_key()
    algo = get_pyca_cryptography_hash(prepared.digest_algorithm)
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(raw_signature, prepared.to_be_signed, ec.ECDSA(algo))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(raw_signature, prepared.to_be_signed, padding.PKCS1v15(), algo)
        else:
            return False
    except Exception:
        return False
    return True

