"""Every state change of the signing app: one function each, atomic, audited.

certificates: issue / import / revoke / unlock; unit_certificates: a unit's organisation
certificate; images: signature and seal images; external: register a token or remote-service key; documents: sign (single and batch);
requests: ask for signatures, decline, cancel, remind; minutes: generate, edit and freeze a
meeting's minutes (then a request secretary -> chair), reopen them after a refusal; opinions: sign
one's written opinion.
"""

from __future__ import annotations

from signing.actions.certificates import (
    PKCS12_MAX_BYTES,
    current_certificate,
    do_add_trust_root,
    do_import_pkcs12,
    do_issue_certificate,
    do_reset_pin_lock,
    do_revoke_certificate,
    issue_certificate_for,
    unlock_key,
)
from signing.actions.documents import do_batch_sign, do_sign_document, do_upload_for_signing
from signing.actions.external import (
    active_signing_services,
    approved_service,
    do_register_csc,
    do_register_pkcs11,
    do_save_signing_service,
)
from signing.actions.images import (
    do_remove_seal_image,
    do_remove_signature_image,
    do_set_seal_image,
    do_set_signature_image,
)
from signing.actions.minutes import (
    do_freeze_minutes,
    do_generate_minutes,
    do_reopen_minutes,
    do_save_minutes,
    get_minutes,
)
from signing.actions.opinions import do_sign_answer
from signing.actions.requests import (
    do_cancel_request,
    do_create_request,
    do_decline_request,
    do_remind_request,
)
from signing.actions.unit_certificates import do_issue_unit_certificate, do_revoke_unit_certificate

__all__ = [
    "PKCS12_MAX_BYTES",
    "active_signing_services",
    "approved_service",
    "current_certificate",
    "get_minutes",
    "do_add_trust_root",
    "do_batch_sign",
    "do_cancel_request",
    "do_create_request",
    "do_decline_request",
    "do_freeze_minutes",
    "do_generate_minutes",
    "do_import_pkcs12",
    "do_issue_certificate",
    "do_issue_unit_certificate",
    "do_register_csc",
    "do_register_pkcs11",
    "do_remind_request",
    "do_remove_seal_image",
    "do_remove_signature_image",
    "do_reopen_minutes",
    "do_reset_pin_lock",
    "do_revoke_certificate",
    "do_revoke_unit_certificate",
    "do_save_minutes",
    "do_save_signing_service",
    "do_set_seal_image",
    "do_set_signature_image",
    "do_sign_answer",
    "do_sign_document",
    "do_upload_for_signing",
    "issue_certificate_for",
    "unlock_key",
]
