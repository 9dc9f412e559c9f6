"""Signing certificates: issue with a PIN, import a PKCS#12, revoke, unlock, reset a lockout.

The PIN is never stored and never logged: it only ever reaches ``pki.encrypt_private_key`` /
``pki.decrypt_private_key``. Audit rows carry serials and counters, never the PIN.

A session or an API token alone never gets a new key: issuing, importing or registering one for
yourself, or lifting your PIN lock, needs your account password typed again
(``ecabinet.actions.do_confirm_password`` -> ``fresh_password``), or an administrator acting for
you (``signing.access.require_may_change_key``). The person hears of every new, replaced,
revoked or locked certificate in the app and by e-mail.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecabinet.access import FreshPassword
from ecabinet.actions import notify_users
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError, ConflictError, PermissionDeniedError
from ecabinet.models import User
from signing.access import (
    lock_certificate,
    require_may_administer_certificate,
    require_may_change_key,
    require_system_admin,
)
from signing.models import SigningCertificate, TrustRoot, UnitCertificate
from signing.pdf import pki
from signing.pdf.errors import CertificateProblem, InvalidPkcs12, WrongPin
from signing.trust import ca_private_key, crl_url, ensure_installation_ca, fingerprint

PIN_MIN_LENGTH = 6
PIN_MAX_LENGTH = 128
PKCS12_MAX_BYTES = 1024 * 1024


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def current_certificate(user: User) -> SigningCertificate | None:
    """The certificate `user` signs with now (the newest one not replaced); may be revoked."""
    return SigningCertificate.objects.filter(user=user, replaced_at__isnull=True).order_by("-pk").first()


def validate_pin(pin: str) -> None:
    if not isinstance(pin, str) or len(pin) < PIN_MIN_LENGTH or not pin.strip():
        raise ActionError("weak_pin", _("The signing PIN must have at least %(n)d characters.")
                          % {"n": PIN_MIN_LENGTH})
    if len(pin) > PIN_MAX_LENGTH:
        raise ActionError("weak_pin", _("The signing PIN is too long."))


def _certificate_fields(cert: x509.Certificate) -> dict:
    return {
        "cert_pem": _pem(cert),
        "serial": format(cert.serial_number, "x"),
        "subject": cert.subject.rfc4514_string()[:500],
        "issuer": cert.issuer.rfc4514_string()[:500],
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
    }


def _supersede(user: User, now) -> list[SigningCertificate]:
    """Retire `user`'s current certificates; returns them. The old key is no longer used:
    certificates issued here go on the CRL as superseded."""
    replaced = []
    for old in SigningCertificate.objects.select_for_update().filter(user=user, replaced_at__isnull=True):
        old.replaced_at = now
        fields = ["replaced_at"]
        if old.issued_here and old.revoked_at is None:
            old.revoked_at = now
            old.revocation_reason = "superseded"
            fields += ["revoked_at", "revocation_reason"]
        old.save(update_fields=fields)
        replaced.append(old)
    return replaced


def announce_new_certificate(row: SigningCertificate, replaced: list[SigningCertificate], *, actor: User) -> None:
    """Tell the holder (in the app and by e-mail) that a certificate now signs in their name:
    if it was not them, this is how they find out."""
    by_admin = actor.pk != row.user_id
    if replaced:
        title = _("Your signing certificate was replaced")
        body = _("A new certificate (serial %(serial)s) now signs in your name; the previous one (serial "
                 "%(old)s) can no longer be used.") % {"serial": row.serial, "old": replaced[-1].serial}
    else:
        title = _("A signing certificate was issued to you")
        body = _("A certificate (serial %(serial)s) now signs in your name.") % {"serial": row.serial}
    if by_admin:
        body += " " + _("This was done by an administrator: %(name)s.") % {"name": actor.full_name or actor.username}
    body += " " + _("If you did not ask for this, tell an administrator at once.")
    notify_users([row.user], kind="signing.certificate_replaced" if replaced else "signing.certificate_issued",
                 title=title, body=body, url="/signing/certificate/")


def issue_certificate_for(user: User, pin: str, *, key_kind: str = "ec", days: int = 3 * 365) -> SigningCertificate:
    """Issue `user` a certificate from the installation CA, key encrypted under `pin`.

    Internal (seed_demo: an administrator's action; do_issue_certificate); the caller checks
    permissions and audits."""
    return _issue_from_ca(user, pin, key_kind=key_kind, days=days)[0]


@transaction.atomic
def _issue_from_ca(user: User, pin: str, *, key_kind: str = "ec", days: int = 3 * 365
                   ) -> tuple[SigningCertificate, list[SigningCertificate]]:
    ca, _created = ensure_installation_ca()
    key = pki.generate_key(key_kind)
    unit_name = user.unit.name if user.unit is not None else "eCabinet"
    cert = pki.issue_signing_certificate(
        ca_private_key(ca), ca.certificate,
        full_name=user.full_name or user.username,
        unit_name=unit_name,
        email=user.email or None,
        public_key=key.public_key(),
        days=days,
        crl_url=crl_url(),
    )
    now = timezone.now()
    row = SigningCertificate(
        user=user,
        kind=SigningCertificate.Kind.PIN_KEY,
        chain_pem=ca.cert_pem,
        key_blob=pki.encrypt_private_key(key, pin),
        issued_here=True,
        created_at=now,
        **_certificate_fields(cert),
    )
    replaced = _supersede(user, now)
    row.save()
    return row, replaced


@transaction.atomic(durable=True)
def do_issue_certificate(*, actor: User, pin: str, pin_confirm: str | None = None,
                         fresh_password: FreshPassword | None = None) -> SigningCertificate:
    """The user gets a new certificate from the installation CA, protected by the PIN they chose;
    they confirm with their account password (`fresh_password`)."""
    require_may_change_key(actor, actor, fresh_password)
    validate_pin(pin)
    if pin_confirm is not None and pin_confirm != pin:
        raise ActionError("pin_mismatch", _("The two PINs do not match."))
    row, replaced = _issue_from_ca(actor, pin)
    record_audit(actor=actor, action="signing.certificate_issue", obj=row,
                 details={"serial": row.serial, "kind": row.kind, "not_after": row.not_after,
                          "replaced": [old.serial for old in replaced]})
    announce_new_certificate(row, replaced, actor=actor)
    return row


@transaction.atomic(durable=True)
def do_import_pkcs12(*, actor: User, data: bytes, file_password: str, pin: str,
                     fresh_password: FreshPassword | None = None) -> SigningCertificate:
    """Import a key and certificate from a real CA; the key is re-protected by the chosen PIN.
    The user confirms with their account password (`fresh_password`)."""
    require_may_change_key(actor, actor, fresh_password)
    validate_pin(pin)
    if len(data) > PKCS12_MAX_BYTES:
        raise ActionError("too_large", _("The PKCS#12 file is too large."), status=413)
    try:
        key, cert, chain = pki.load_pkcs12(data, file_password or "")
    except InvalidPkcs12:
        raise ActionError("invalid_pkcs12", _("This is not a PKCS#12 file or the password is wrong.")) from None
    try:
        pki.check_signing_certificate(cert)
    except CertificateProblem as exc:
        raise certificate_problem_error(exc.code) from None
    now = timezone.now()
    replaced = _supersede(actor, now)
    row = SigningCertificate.objects.create(
        user=actor,
        kind=SigningCertificate.Kind.PKCS12,
        chain_pem="".join(_pem(c) for c in chain),
        key_blob=pki.encrypt_private_key(key, pin),
        issued_here=False,
        created_at=now,
        **_certificate_fields(cert),
    )
    record_audit(actor=actor, action="signing.certificate_import", obj=row,
                 details={"serial": row.serial, "issuer": row.issuer, "replaced": [old.serial for old in replaced]})
    announce_new_certificate(row, replaced, actor=actor)
    return row


def certificate_problem_error(code: str) -> ActionError:
    messages = {
        "expired": _("Your signing certificate has expired. Ask for a new one."),
        "not_yet_valid": _("Your signing certificate is not valid yet."),
        "no_signing_key_usage": _("This certificate is not allowed to make digital signatures."),
        "revoked": _("Your signing certificate was revoked. Ask an administrator for a new one."),
    }
    return ActionError(f"certificate_{code}", messages.get(code, _("This certificate cannot be used for signing.")),
                       status=403)


def check_usable(cert: SigningCertificate | None) -> SigningCertificate:
    """Refuse, with a clear reason, a certificate that cannot sign now."""
    if cert is None:
        raise ActionError("no_certificate", _("You have no signing certificate yet. Create one on the "
                                              "“My certificate” page first."), status=403)
    if cert.revoked_at is not None:
        raise certificate_problem_error("revoked")
    try:
        pki.check_signing_certificate(cert.certificate)
    except CertificateProblem as exc:
        raise certificate_problem_error(exc.code) from None
    if cert.locked_at is not None:
        raise PermissionDeniedError(
            _("Signing is locked after too many wrong PINs. Ask an administrator to unlock it."),
            code="signing_locked",
        )
    return cert


def record_wrong_pin(cert_id: int, actor: User) -> int:
    """Count a wrong PIN in its own transaction (it must survive the refusal); returns tries left."""
    limit = settings.SIGNING_PIN_MAX_ATTEMPTS
    # durable: committed on its own even when the signature is refused, and never nested in a
    # caller's transaction that would roll the count back
    with transaction.atomic(durable=True):
        cert = SigningCertificate.objects.select_for_update().get(pk=cert_id)
        cert.wrong_pin_count += 1
        fields = ["wrong_pin_count"]
        if cert.wrong_pin_count >= limit and cert.locked_at is None:
            cert.locked_at = timezone.now()
            fields.append("locked_at")
        cert.save(update_fields=fields)
        record_audit(actor=actor, action="signing.wrong_pin", obj=cert,
                     details={"attempts": cert.wrong_pin_count, "locked": cert.locked_at is not None})
        if "locked_at" in fields:
            notify_users([cert.user], kind="signing.locked", title=_("Signing with your certificate is locked"),
                         body=_("Signing was locked after %(n)d wrong PINs. If that was not you, tell an "
                                "administrator. To unlock, confirm with your account password on the “My "
                                "certificate” page, or ask an administrator.") % {"n": cert.wrong_pin_count},
                         url="/signing/certificate/")
        return max(0, limit - cert.wrong_pin_count)


def unlock_key(cert: SigningCertificate, pin: str, *, actor: User) -> pki.PrivateKey:
    """Decrypt the certificate's key with the PIN, counting wrong PINs.

    Call it outside the signing transaction: the failure counter is committed on its own so
    that the refusal does not roll it back."""
    cert.refresh_from_db(fields=["wrong_pin_count", "locked_at", "revoked_at"])
    check_usable(cert)
    if cert.key_blob is None:
        raise ActionError("no_key", _("This certificate's key is not stored here."), status=403)
    if not isinstance(pin, str) or not pin or len(pin) > PIN_MAX_LENGTH:
        raise ActionError("wrong_pin", _("Enter your signing PIN."))
    try:
        key = pki.decrypt_private_key(bytes(cert.key_blob), pin)
    except WrongPin:
        remaining = record_wrong_pin(cert.pk, actor)
        if remaining == 0:
            raise PermissionDeniedError(
                _("Wrong PIN. Signing is now locked after too many wrong PINs; ask an administrator "
                  "to unlock it."),
                code="signing_locked",
            ) from None
        raise ActionError(
            "wrong_pin",
            ngettext("Wrong PIN. %(n)d try left before signing is locked.",
                     "Wrong PIN. %(n)d tries left before signing is locked.", remaining) % {"n": remaining},
            extra={"remaining_attempts": remaining},
        ) from None
    if cert.wrong_pin_count:
        SigningCertificate.objects.filter(pk=cert.pk, locked_at__isnull=True).update(wrong_pin_count=0)
        cert.wrong_pin_count = 0
    return key


def mark_revoked(cert: SigningCertificate | UnitCertificate, reason: str) -> str:
    """The one revocation rule of personal and unit certificates (locked by the caller): not
    twice, always with a reason. Returns the reason as stored."""
    if cert.revoked_at is not None:
        raise ConflictError("already_revoked", _("This certificate is already revoked."))
    reason = (reason or "").strip()[:255]
    if not reason:
        raise ActionError("reason_required", _("Give a reason for revoking the certificate."))
    cert.revoked_at = timezone.now()
    cert.revocation_reason = reason
    cert.save(update_fields=["revoked_at", "revocation_reason"])
    return reason


@transaction.atomic(durable=True)
def do_revoke_certificate(cert: SigningCertificate, *, actor: User, reason: str) -> SigningCertificate:
    cert = lock_certificate(cert)
    require_may_administer_certificate(actor, cert)
    reason = mark_revoked(cert, reason)
    record_audit(actor=actor, action="signing.certificate_revoke", obj=cert,
                 details={"serial": cert.serial, "reason": reason, "user": cert.user_id})
    notify_users([cert.user], kind="signing.certificate_revoked",
                 title=_("Your signing certificate was revoked"),
                 body=_("Reason: %(reason)s. Create or ask for a new certificate before signing.")
                 % {"reason": reason}, url="/signing/certificate/")
    return cert


@transaction.atomic(durable=True)
def do_reset_pin_lock(cert: SigningCertificate, *, actor: User,
                      fresh_password: FreshPassword | None = None) -> SigningCertificate:
    """Lift a PIN lockout: an administrator for someone they manage, or the holder with their
    account password typed again (never a session alone: that would undo the lockout)."""
    cert = lock_certificate(cert)
    require_may_change_key(actor, cert.user, fresh_password)
    was_locked = cert.locked_at
    cert.wrong_pin_count = 0
    cert.locked_at = None
    cert.save(update_fields=["wrong_pin_count", "locked_at"])
    record_audit(actor=actor, action="signing.pin_reset", obj=cert,
                 details={"serial": cert.serial, "was_locked": was_locked is not None,
                          "by": "holder" if actor.pk == cert.user_id else "administrator"})
    if was_locked is not None:
        notify_users([cert.user], kind="signing.unlocked", title=_("Signing is unlocked"),
                     body=_("An administrator unlocked signing with your certificate.") if actor.pk != cert.user_id
                     else _("You unlocked signing with your certificate by confirming your password."),
                     url="/signing/certificate/")
    return cert


# Not durable: the admin's add form (signing/admin.py) calls it from `save_model`, inside the
# transaction Django's admin opens around every change form.
@transaction.atomic
def do_add_trust_root(*, actor: User, pem: str | bytes, name: str = "") -> TrustRoot:
    """An administrator adds a root CA (for example a national root) to the trusted list."""
    require_system_admin(actor)
    raw = pem.encode() if isinstance(pem, str) else bytes(pem)
    try:
        cert = (x509.load_pem_x509_certificate(raw) if b"-----BEGIN" in raw
                else x509.load_der_x509_certificate(raw))
    except ValueError:
        raise ActionError("bad_certificate", _("This is not a certificate (PEM or DER).")) from None
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise ActionError("not_a_ca", _("This certificate is not a certificate authority."))
    fp = fingerprint(cert)
    if TrustRoot.objects.filter(fingerprint=fp).exists():
        raise ConflictError("duplicate", _("This root is already in the list."))
    root = TrustRoot.objects.create(
        name=(name.strip() or cert.subject.rfc4514_string())[:255], cert_pem=_pem(cert),
        fingerprint=fp, source=TrustRoot.Source.IMPORTED, active=True,
    )
    record_audit(actor=actor, action="signing.trust_root_add", obj=root,
                 details={"fingerprint": fp, "subject": cert.subject.rfc4514_string()})
    return root


def describe_lock(cert: SigningCertificate) -> str:
    if cert.locked_at is None:
        return ""
    return _("Locked since %(when)s") % {"when": formats.date_format(timezone.localtime(cert.locked_at),
                                                                       "DATETIME_FORMAT")}
