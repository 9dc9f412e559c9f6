"""Demo data for signing: the installation CA, one certificate per demo user (PIN = password), and
the organisation certificate and a drawn seal of the units the demo meetings belong to."""

from __future__ import annotations

import io
import math

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
    seed_unit_seals(users, stdout)


def _demo_seal_png() -> bytes:
    """A red double ring with a star: a stand-in for a real seal (transparent PNG)."""
    from PIL import Image, ImageDraw

    size = 400
    picture = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    red = (200, 16, 32, 230)
    draw.ellipse((8, 8, size - 9, size - 9), outline=red, width=14)
    draw.ellipse((70, 70, size - 71, size - 71), outline=red, width=5)
    c, r = size / 2, 70
    points = [(c + (r if i % 2 == 0 else r * 0.4) * math.sin(i * math.pi / 5),
               c - (r if i % 2 == 0 else r * 0.4) * math.cos(i * math.pi / 5)) for i in range(10)]
    draw.polygon(points, fill=red)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def seed_unit_seals(users: dict, stdout) -> None:  # noqa: ANN001
    """The demo's chairing and office units get an organisation certificate and a seal image,
    issued by the demo system administrator through the actions (idempotent)."""
    from django.core.files.base import ContentFile

    from signing.actions.images import do_set_seal_image
    from signing.actions.unit_certificates import do_issue_unit_certificate
    from signing.models import SignatureImage
    from signing.unit_seal import active_unit_certificate

    admin = next((u for u in users.values() if u.is_superuser), None)
    if admin is None:
        return
    units = {u.unit.pk: u.unit for u in users.values() if u.unit is not None and u.unit.parent_id is None}
    units |= {u.unit.pk: u.unit for u in users.values() if u.unit is not None and u.unit.kind == "office"}
    done = []
    for unit in units.values():
        if active_unit_certificate(unit) is None:
            do_issue_unit_certificate(unit, actor=admin)
            done.append(unit.name)
        if not SignatureImage.objects.filter(unit=unit).exists():
            do_set_seal_image(unit, actor=admin, upload=ContentFile(_demo_seal_png(), name="con-dau.png"))
    stdout.write(f"Organisation certificates issued: {len(done)} ({', '.join(done) or 'none needed'})")
