"""The units' organisation certificates: issue (or replace) and revoke, by administrators with
the right `issue_certificates` over the unit. The key stays on the server (signing/unit_seal.py).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import ConflictError
from ecabinet.models import Unit, User
from signing.access import lock_unit_certificates, require_may_administer_unit_certificate
from signing.actions.certificates import _certificate_fields, mark_revoked
from signing.models import UnitCertificate
from signing.pdf import pki
from signing.trust import ca_private_key, crl_url, ensure_installation_ca
from signing.unit_seal import wrap_unit_key

UNIT_CERTIFICATE_DAYS = 3 * 365


@transaction.atomic(durable=True)
def do_issue_unit_certificate(unit: Unit, *, actor: User) -> UnitCertificate:
    """Issue `unit` a certificate from the installation CA with the unit as subject (CN and O);
    a current one is replaced (and revoked as superseded: its key is no longer used)."""
    require_may_administer_unit_certificate(actor, unit)
    current = lock_unit_certificates(unit)
    ca, _created = ensure_installation_ca()
    key = pki.generate_key("ec")
    cert = pki.issue_signing_certificate(
        ca_private_key(ca), ca.certificate, full_name=unit.name, unit_name=unit.name,
        public_key=key.public_key(), days=UNIT_CERTIFICATE_DAYS, crl_url=crl_url(),
    )
    now = timezone.now()
    for old in current:
        old.replaced_at = now
        fields = ["replaced_at"]
        if old.revoked_at is None:
            old.revoked_at = now
            old.revocation_reason = "superseded"
            fields += ["revoked_at", "revocation_reason"]
        old.save(update_fields=fields)
    try:
        # two first issues at once: nothing to lock yet, the unique constraint decides
        with transaction.atomic():
            row = UnitCertificate.objects.create(
                unit=unit, chain_pem=ca.cert_pem, key_blob=wrap_unit_key(key, cert), issued_by=actor,
                created_at=now, **_certificate_fields(cert),
            )
    except IntegrityError:
        raise ConflictError("concurrent_issue", _("Another administrator has just issued this unit's "
                                                  "certificate. Reload the page.")) from None
    record_audit(actor=actor, action="signing.unit_certificate_issue", obj=row,
                 details={"unit": unit.pk, "serial": row.serial, "not_after": row.not_after,
                          "replaced": [old.serial for old in current]})
    return row


@transaction.atomic(durable=True)
def do_revoke_unit_certificate(cert: UnitCertificate, *, actor: User, reason: str) -> UnitCertificate:
    require_may_administer_unit_certificate(actor, cert.unit)
    cert = UnitCertificate.objects.select_for_update().select_related("unit").get(pk=cert.pk)
    reason = mark_revoked(cert, reason)
    record_audit(actor=actor, action="signing.unit_certificate_revoke", obj=cert,
                 details={"unit": cert.unit_id, "serial": cert.serial, "reason": reason})
    return cert
