"""Certificates whose key lives elsewhere: a PKCS#11 token/HSM or a remote CSC signing service.

Registering one reads the certificate from the token or the service, checks it can sign
(``check_signing_certificate``) and makes it the person's current certificate. No PIN or access
token is stored: they are given again at every signature (``signing.backends.signer_for``).
For yourself it needs your account password typed again; an administrator may register for the
people they manage. Remote services come only from the catalogue administrators keep
(``SigningService``): a user picks one, never types an address.
"""

from __future__ import annotations

import logging

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.access import FreshPassword
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from ecabinet.models import User
from signing.access import (
    require_may_change_key,
    require_may_choose_pkcs11_module,
    require_system_admin,
)
from signing.actions.certificates import (
    _certificate_fields,
    _pem,
    _supersede,
    announce_new_certificate,
    certificate_problem_error,
)
from signing.backends import (
    count_service_call,
    read_csc_certificate,
    read_token_certificate,
    remote_error,
    validate_service_url,
)
from signing.models import SigningCertificate, SigningService
from signing.pdf import pki
from signing.pdf.backends import RemoteSignerError, TokenError, TokenNotFound
from signing.pdf.errors import CertificateProblem

logger = logging.getLogger(__name__)

LABEL_MAX = 128
CREDENTIAL_ID_MAX = 255


def _label(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > LABEL_MAX:
        raise ActionError("bad_label", _("Give the %(what)s (at most %(n)d characters).")
                          % {"what": what, "n": LABEL_MAX})
    return value


def _checked(cert) -> None:  # noqa: ANN001
    try:
        pki.check_signing_certificate(cert)
    except CertificateProblem as exc:
        raise certificate_problem_error(exc.code) from None


@transaction.atomic(durable=True)
def _register(*, actor: User, holder: User, kind: str, cert: x509.Certificate, chain: list[x509.Certificate],
              config: dict) -> SigningCertificate:
    now = timezone.now()
    replaced = _supersede(holder, now)
    row = SigningCertificate.objects.create(
        user=holder, kind=kind, chain_pem="".join(_pem(c) for c in chain), key_blob=None,
        backend_config=config, issued_here=False, created_at=now, **_certificate_fields(cert),
    )
    record_audit(actor=actor, action="signing.certificate_register", obj=row, details={
        "kind": kind, "serial": row.serial, "issuer": row.issuer, "user": holder.pk, **config,
        "replaced": [old.serial for old in replaced],
    })
    announce_new_certificate(row, replaced, actor=actor)
    return row


def do_register_pkcs11(holder: User, *, actor: User, token_label: str, key_label: str,
                       module_path: str | None = None, fresh_password: FreshPassword | None = None
                       ) -> SigningCertificate:
    """`holder` signs with a key on a token or HSM from now on (the certificate is read from the
    token). Not one atomic block on purpose: the token is read before the transaction (a slow
    token must not hold the database); the registration itself is one durable transaction."""
    require_may_change_key(actor, holder, fresh_password)
    token_label = _label(token_label, _("token label"))
    key_label = _label(key_label, _("key label"))
    default = settings.SIGNING_PKCS11_MODULE
    module_path = (module_path or "").strip() or default
    if not module_path:
        raise ActionError("no_pkcs11_module", _("No PKCS#11 module is configured on this server "
                                                "(SIGNING_PKCS11_MODULE)."))
    if module_path != default:
        # loading a module runs its code in the server: only administrators choose one
        require_may_choose_pkcs11_module(actor)
    try:
        cert, chain = read_token_certificate(module_path=module_path, token_label=token_label, key_label=key_label)
    except TokenNotFound as exc:
        logger.info("PKCS#11 registration: %s", exc)
        raise ActionError("token_certificate_not_found",
                          _("No certificate for this key was found on the token. Check the token and "
                            "key labels.")) from None
    except TokenError as exc:
        logger.warning("PKCS#11 registration failed: %s", exc)
        raise ActionError("token_unavailable", _("The signing token could not be used. Try again later, "
                                                 "or ask an administrator.")) from None
    _checked(cert)
    config = {"module_path": module_path, "token_label": token_label, "key_label": key_label}
    return _register(actor=actor, holder=holder, kind=SigningCertificate.Kind.PKCS11, cert=cert, chain=chain,
                     config=config)


def active_signing_services() -> QuerySet[SigningService]:
    return SigningService.objects.filter(active=True).order_by("name")


def approved_service(service_id: int | None) -> SigningService:
    """A service of the catalogue that is in use; anything else is a wrong choice (400)."""
    chosen = active_signing_services().filter(pk=service_id).first() if service_id is not None else None
    if chosen is None:
        raise ActionError("unknown_service", _("Choose one of the approved remote signing services."))
    return chosen


def do_register_csc(holder: User, service: SigningService, *, actor: User, credential_id: str, access_token: str,
                    fresh_password: FreshPassword | None = None) -> SigningCertificate:
    """`holder` signs through an approved remote signing service from now on (the certificate is
    read from it). Not one atomic block on purpose, like ``do_register_pkcs11``: the service is
    asked before the transaction."""
    require_may_change_key(actor, holder, fresh_password)
    chosen = approved_service(service.pk)  # still in the catalogue now
    credential_id = (credential_id or "").strip()
    if not credential_id or len(credential_id) > CREDENTIAL_ID_MAX:
        raise ActionError("bad_credential", _("Give the credential identifier at the signing service."))
    if not access_token:
        raise ActionError("access_token_required",
                          _("Enter the access token of your account at the remote signing service."))
    count_service_call(actor)
    try:
        cert, chain = read_csc_certificate(service_url=chosen.base_url, credential_id=credential_id,
                                           access_token=access_token, api_version=chosen.api_version)
    except RemoteSignerError as exc:
        raise remote_error(exc, None, None) from None
    _checked(cert)
    config = {"service": chosen.pk, "service_name": chosen.name, "credential_id": credential_id,
              "api_version": chosen.api_version}
    return _register(actor=actor, holder=holder, kind=SigningCertificate.Kind.CSC, cert=cert, chain=chain,
                     config=config)


# Not durable: the admin's change form (signing/admin.py) calls it from `save_model`, inside the
# transaction Django's admin opens around every change form.
@transaction.atomic
def do_save_signing_service(service: SigningService, *, actor: User) -> SigningService:
    """A system administrator adds or changes a remote signing service of the catalogue."""
    require_system_admin(actor)
    service.base_url = validate_service_url(service.base_url)
    if service.oauth_token_url:
        service.oauth_token_url = validate_service_url(service.oauth_token_url)
    if service.api_version not in SigningService.ApiVersion.values:
        raise ActionError("bad_api_version", _("Unknown version of the signing service API."))
    created = service.pk is None
    service.save()
    record_audit(actor=actor, action="signing.service_add" if created else "signing.service_change", obj=service,
                 details={"name": service.name, "base_url": service.base_url, "api_version": service.api_version,
                          "active": service.active})
    return service
