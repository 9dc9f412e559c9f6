"""Demo data for signing: the installation CA and one certificate per demo user (PIN = password)."""

from __future__ import annotations

from django.db import transaction

from ecabinet.audit import record_audit
from signing.actions.certificates import current_certificate, issue_certificate_for
from signing.pdf import pki
from signing.trust import ensure_installation_ca


def _usable_with(cert, password: str) -> bool:
    if cert is None or cert.revoked_at is not None or cert.locked_at is not None or cert.key_blob is None:
        return False
    try:
        pki.check_signing_certificate(cert.certificate)
        pki.decrypt_private_key(bytes(cert.key_blob), password)
    except (pki.WrongPin, pki.CertificateProblem, ValueError):
        return False
    return True


def seed_demo(users: dict, password: str, stdout) -> None:  # noqa: ANN001
    """Idempotent: a user whose current certificate already opens with `password` keeps it."""
    ca, created = ensure_installation_ca()
    stdout.write(("Created" if created else "Found") + f" installation CA {ca.fingerprint[:16]}…")
    issued = []
    for username, user in users.items():
        if _usable_with(current_certificate(user), password):
            continue
        with transaction.atomic():
            cert = issue_certificate_for(user, password)
            record_audit(actor=None, action="signing.certificate_issue", obj=cert,
                         details={"serial": cert.serial, "kind": cert.kind, "demo": True})
        issued.append(username)
    stdout.write(f"Signing certificates issued: {len(issued)} ({', '.join(issued) or 'none needed'})")
