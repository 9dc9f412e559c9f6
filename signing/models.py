"""Signing data: the installation CA, trust roots, per-person certificates, signatures and
signing requests.

Private keys never appear in clear in the database: a user's key is encrypted under a key
derived from their signing PIN (``pki.encrypt_private_key``), the installation CA key under a
key derived from ``settings.SECRET_KEY`` (see ``signing/trust.py``).
"""

from __future__ import annotations

from functools import cached_property

from cryptography import x509
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "ConclusionNotice",
    "InstallationCA",
    "Invitation",
    "Minutes",
    "SignatureRecord",
    "SigningCertificate",
    "SigningRequest",
    "SigningRequestSigner",
    "SignatureImage",
    "SignedBallot",
    "SigningService",
    "TrustRoot",
    "UnitCertificate",
]


class InstallationCA(models.Model):
    """The one certificate authority of this installation (a single row, pk=1)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    cert_pem = models.TextField()
    # AES-GCM under a key derived from SECRET_KEY (signing/trust.py documents why).
    key_blob = models.BinaryField()
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("installation certificate authority")
        verbose_name_plural = _("installation certificate authority")

    def __str__(self) -> str:
        return self.subject

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()


class TrustRoot(models.Model):
    class Source(models.TextChoices):
        INSTALLATION = "installation", _("this installation")
        IMPORTED = "imported", _("imported")

    name = models.CharField(_("name"), max_length=255)
    cert_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.IMPORTED)
    active = models.BooleanField(_("trusted"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("trust root")
        verbose_name_plural = _("trust roots")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())


class SigningService(models.Model):
    """A remote signing service (Cloud Signature Consortium API) that administrators approved.

    Users only ever pick one of these: the server never calls an address a user typed."""

    class ApiVersion(models.TextChoices):
        V1 = "v1", "CSC v1"
        V2 = "v2", "CSC v2"

    name = models.CharField(_("name"), max_length=255, unique=True)
    base_url = models.URLField(_("base address"), max_length=500,
                               help_text=_("The address before /csc/v1/…, for example https://ky-so.example.vn"))
    api_version = models.CharField(_("API version"), max_length=2, choices=ApiVersion.choices,
                                   default=ApiVersion.V1)
    oauth_token_url = models.URLField(_("OAuth token address"), max_length=500, blank=True)
    oauth_client_id = models.CharField(_("OAuth client ID"), max_length=255, blank=True)
    active = models.BooleanField(_("available to users"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("remote signing service")
        verbose_name_plural = _("remote signing services")

    def __str__(self) -> str:
        return self.name


class SigningCertificate(models.Model):
    class Kind(models.TextChoices):
        PIN_KEY = "pin-key", _("key issued here, protected by a PIN")
        PKCS12 = "pkcs12", _("imported PKCS#12")
        PKCS11 = "pkcs11", _("PKCS#11 token")
        CSC = "csc", _("remote signing service (CSC)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.CASCADE,
                             related_name="signing_certificates")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PIN_KEY)
    cert_pem = models.TextField(verbose_name=_("certificate (PEM)"))
    chain_pem = models.TextField(verbose_name=_("certificate chain (PEM)"), blank=True)
    key_blob = models.BinaryField(verbose_name=_("encrypted key"), null=True, blank=True)
    # token label / CSC service details for the kinds whose key lives elsewhere
    backend_config = models.JSONField(verbose_name=_("signing device settings"), default=dict, blank=True)
    serial = models.CharField(_("serial number"), max_length=64, db_index=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    issued_here = models.BooleanField(verbose_name=_("issued by this installation"), default=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revoking"), max_length=255, blank=True)
    wrong_pin_count = models.PositiveSmallIntegerField(verbose_name=_("wrong PINs entered"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    # A newer certificate replaces this one for signing; the old one stays for history.
    replaced_at = models.DateTimeField(verbose_name=_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @property
    def chain(self) -> list[x509.Certificate]:
        if not self.chain_pem.strip():
            return []
        return x509.load_pem_x509_certificates(self.chain_pem.encode())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() > self.not_after

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None and self.revoked_at is None


class UnitCertificate(models.Model):
    """The organisation's certificate of a unit (chữ ký số của cơ quan, Decree 30 art. 2 and
    Decree 130/2018): issued by the installation CA with the unit as subject, its key held by the
    server and encrypted under a key-encryption key from settings (``UNIT_KEY_SECRET``; see
    ``signing/unit_seal.py``), never exported. One current certificate per unit: a new one
    replaces the old, which stays for history (and on the CRL)."""

    unit = models.ForeignKey("ecabinet.Unit", verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="organisation_certificates")
    cert_pem = models.TextField(verbose_name=_("certificate (PEM)"))
    chain_pem = models.TextField(verbose_name=_("certificate chain (PEM)"), blank=True)
    # AES-256-GCM under UNIT_KEY_SECRET, bound to this certificate (signing/unit_seal.py)
    key_blob = models.BinaryField(verbose_name=_("encrypted key"))
    serial = models.CharField(_("serial number"), max_length=64, db_index=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revoking"), max_length=255, blank=True)
    replaced_at = models.DateTimeField(verbose_name=_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("organisation certificate")
        verbose_name_plural = _("organisation certificates")
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=models.Q(replaced_at__isnull=True),
                                    name="one_current_certificate_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @property
    def chain(self) -> list[x509.Certificate]:
        if not self.chain_pem.strip():
            return []
        return x509.load_pem_x509_certificates(self.chain_pem.encode())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() > self.not_after

    @property
    def is_active(self) -> bool:
        return self.replaced_at is None and self.revoked_at is None and not self.is_expired


class SignatureImage(models.Model):
    """A transparent PNG used in visible signatures: a person's own signature (chữ ký), or a
    unit's seal (con dấu), at most one of each per person or unit. The bytes are small (the
    intake allows 1 MB) and live in the row: replacing or removing an image is one write."""

    class Kind(models.TextChoices):
        SIGNATURE = "signature", _("signature image")
        SEAL = "seal", _("seal image")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("holder"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="signature_image")
    unit = models.OneToOneField("ecabinet.Unit", verbose_name=_("unit"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="seal_image")
    png = models.BinaryField(verbose_name=_("image (PNG)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(verbose_name=_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("signature or seal image")
        verbose_name_plural = _("signature and seal images")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="signature", user__isnull=False, unit__isnull=True)
                           | models.Q(kind="seal", unit__isnull=False, user__isnull=True)),
                name="signature_image_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id or self.unit_id}"


class SigningRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("waiting for signatures")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        DECLINED = "declined", pgettext_lazy("signature", "declined")

    document = models.ForeignKey("meetings.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="signing_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    sequential = models.BooleanField(_("in order"), default=True)
    due = models.DateTimeField(_("due"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(verbose_name=_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(verbose_name=_("reason for cancelling"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("signing request")
        verbose_name_plural = _("signing requests")

    def __str__(self) -> str:
        return f"{self.document} #{self.pk}"


class SigningRequestSigner(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("signature", "waiting")
        SIGNED = "signed", _("signed")
        DECLINED = "declined", pgettext_lazy("signature", "declined")

    request = models.ForeignKey(SigningRequest, on_delete=models.CASCADE, related_name="signers")
    order = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey("signing.SignatureRecord", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("signer of a request")
        verbose_name_plural = _("signers of a request")
        ordering = ["request", "order"]
        constraints = [
            models.UniqueConstraint(fields=["request", "user"], name="one_entry_per_signer"),
            models.UniqueConstraint(fields=["request", "order"], name="one_signer_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.user}"


class SignatureRecord(models.Model):
    document = models.ForeignKey("meetings.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="signatures")
    # the version this signature produced (the signed bytes); the previous one is kept
    version = models.ForeignKey("meetings.DocumentVersion", verbose_name=pgettext_lazy("document", "version"), on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(SigningCertificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="signatures")
    request = models.ForeignKey(SigningRequest, verbose_name=_("signing request"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="signatures")
    field_name = models.CharField(verbose_name=_("signature field"), max_length=64)
    signed_at = models.DateTimeField(verbose_name=_("signed at"), default=timezone.now)
    reason = models.CharField(verbose_name=_("reason"), max_length=255, blank=True)
    level = models.CharField(verbose_name=_("signature level"), max_length=8, default="B-B")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return f"{self.document} · {self.field_name}"


class Minutes(models.Model):
    """The minutes (biên bản) of one ended meeting: a text the secretary edits while it is a
    draft, then frozen into a PDF meeting document and sent for signature (secretary, then chair).

    `version` is the optimistic lock of the text: every save adds one, and a save that names an
    older version is refused (two secretaries editing at once do not overwrite each other)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FROZEN = "frozen", _("frozen")

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="minutes")
    # Given at freeze from the unit's register (sổ đăng ký văn bản), kept on reopening: "12/BB-UBND".
    number = models.CharField(_("number"), max_length=32, blank=True)
    register_entry = models.ForeignKey("ecabinet.RegisterEntry", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    text = models.TextField(_("text"), blank=True)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    document = models.ForeignKey("meetings.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    signing_request = models.ForeignKey(SigningRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"minutes of {self.meeting_id}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN


class ConclusionNotice(models.Model):
    """The conclusion notice (thông báo kết luận) of one ended meeting (Decision 45/2018/QĐ-TTg:
    issued in writing within 5 working days after the meeting).

    The secretary drafts it from the conclusions and edits it (sanitized HTML, `version` the
    optimistic lock as for the minutes), submits it to the approver (the chair unless the
    secretary names another participant), who approves it or sends it back with a reason; the
    office then issues it: a number from the register, the PDF sealed with the unit's
    certificate, stored among the meeting's documents."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("notice status", "draft")
        SUBMITTED = "submitted", pgettext_lazy("notice status", "awaiting approval")
        APPROVED = "approved", pgettext_lazy("notice status", "approved")
        ISSUED = "issued", pgettext_lazy("notice status", "issued")

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="conclusion_notice")
    body = models.TextField(_("text"), blank=True)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    returned_reason = models.TextField(blank=True)
    due_date = models.DateField(_("due date"))
    register_entry = models.ForeignKey("ecabinet.RegisterEntry", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    document = models.ForeignKey("meetings.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = _("conclusion notice")
        verbose_name_plural = _("conclusion notices")

    def __str__(self) -> str:
        return f"conclusion notice of {self.meeting_id}"

    @property
    def number(self) -> str:
        return self.register_entry.number if self.register_entry_id and self.register_entry else ""


class Invitation(models.Model):
    """One numbered invitation (giấy mời) to a meeting, issued when the meeting is scheduled and
    again, as a replacement, when its time or place changes (Decision 45/2018 art. 10, fn98).

    The number is taken from the unit's register when the meeting is scheduled or changed. The
    paper itself (a PDF meeting document sealed with the unit's certificate) is drawn at that moment
    when the unit holds an organisation certificate; otherwise the invitation waits for the seal
    (PENDING_SEAL) and `do_issue_invitation` draws and seals it later. An unsealed paper is never
    stored or sent."""

    class Status(models.TextChoices):
        PENDING_SEAL = "pending_seal", pgettext_lazy("invitation status", "awaiting the unit's digital signature")
        ISSUED = "issued", pgettext_lazy("invitation status", "issued")
        REPLACED = "replaced", pgettext_lazy("invitation status", "replaced")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="invitations")
    entry = models.OneToOneField("ecabinet.RegisterEntry", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING_SEAL)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    document = models.ForeignKey("meetings.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    # Why the seal is still missing (an ActionError code, e.g. no_unit_certificate).
    pending_reason = models.CharField(max_length=64, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.number


# --- signed ballots (fn108) ----------------------------------------------------------------------

class SignedBallot(models.Model):
    """A ballot of an open poll that requires signatures: the voter's statement as a compact JWS
    (RFC 7515) signed with their own key, its certificate chain in the `x5c` header.

    Written in the same transaction as the ballot itself (meetings' cast helper), so a poll that
    requires signatures has exactly one row here per `PollVoter`. Anyone holding the results
    export can verify it (`signing.ballots.verify_ballot`, `manage.py verify_ballots`)."""

    poll = models.ForeignKey("meetings.Poll", on_delete=models.CASCADE, related_name="signed_ballots")
    seat = models.ForeignKey("meetings.Participant", on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(SigningCertificate, null=True, on_delete=models.SET_NULL, related_name="+")
    option_key = models.CharField(max_length=32)
    jws = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signed ballot")
        verbose_name_plural = _("signed ballots")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "seat"], name="one_signed_ballot_per_seat")]

    def __str__(self) -> str:
        return f"signed ballot {self.pk}"
