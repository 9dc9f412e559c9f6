"""Images in visible signatures (Decree 30, appendix I): a person's own signature image and a
unit's seal. Both enter through ``ecabinet.intake.intake_image`` (a transparent PNG, 1 MB,
2000 × 2000 at most), checked before the transaction opens: a refused image writes nothing.
"""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.audit import record_audit
from ecabinet.errors import NotFoundError
from ecabinet.intake import CheckedImage, intake_image
from ecabinet.models import Unit, User
from signing.access import require_may_administer_unit_certificate
from signing.models import SignatureImage


def _store(checked: CheckedImage, *, kind: str, actor: User, user: User | None = None,
           unit: Unit | None = None) -> tuple[SignatureImage, bool]:
    owner = {"user": user} if user is not None else {"unit": unit}
    row = SignatureImage.objects.select_for_update().filter(**owner).first()
    replaced = row is not None
    if row is None:
        row = SignatureImage(kind=kind, **owner)
    row.png = checked.png
    row.sha256 = checked.sha256
    row.width, row.height = checked.width, checked.height
    row.uploaded_by = actor
    row.uploaded_at = timezone.now()
    row.save()
    return row, replaced


def do_set_signature_image(*, actor: User, upload: IO[bytes] | None) -> SignatureImage:
    """The person's own signature image (new or replacing the previous one)."""
    checked = intake_image(upload)
    with transaction.atomic(durable=True):
        row, replaced = _store(checked, kind=SignatureImage.Kind.SIGNATURE, actor=actor, user=actor)
        record_audit(actor=actor, action="signing.signature_image_set", obj=row,
                     details={"sha256": row.sha256, "width": row.width, "height": row.height,
                              "replaced": replaced})
    return row


@transaction.atomic(durable=True)
def do_remove_signature_image(*, actor: User) -> None:
    row = SignatureImage.objects.select_for_update().filter(user=actor).first()
    if row is None:
        raise NotFoundError(_("There is no image to remove."))
    record_audit(actor=actor, action="signing.signature_image_remove", obj=row, details={"sha256": row.sha256})
    row.delete()


def do_set_seal_image(unit: Unit, *, actor: User, upload: IO[bytes] | None) -> SignatureImage:
    """The unit's seal image (con dấu), by an administrator of the unit's certificate."""
    require_may_administer_unit_certificate(actor, unit)
    checked = intake_image(upload)
    with transaction.atomic(durable=True):
        require_may_administer_unit_certificate(actor, unit)
        row, replaced = _store(checked, kind=SignatureImage.Kind.SEAL, actor=actor, unit=unit)
        record_audit(actor=actor, action="signing.seal_image_set", obj=row,
                     details={"unit": unit.pk, "sha256": row.sha256, "width": row.width, "height": row.height,
                              "replaced": replaced})
    return row


@transaction.atomic(durable=True)
def do_remove_seal_image(unit: Unit, *, actor: User) -> None:
    require_may_administer_unit_certificate(actor, unit)
    row = SignatureImage.objects.select_for_update().filter(unit=unit).first()
    if row is None:
        raise NotFoundError(_("There is no image to remove."))
    record_audit(actor=actor, action="signing.seal_image_remove", obj=row,
                 details={"unit": unit.pk, "sha256": row.sha256})
    row.delete()


def signature_image_of(user: User) -> bytes | None:
    row = SignatureImage.objects.filter(user=user).only("png").first()
    return bytes(row.png) if row is not None else None
