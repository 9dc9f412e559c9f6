"""``manage.py init_ca``: create the installation CA once (idempotent) and print what it is."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from signing.trust import ensure_installation_ca, rewrap_ca_key


class Command(BaseCommand):
    help = "Create the installation's certificate authority if it does not exist yet."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--rewrap", action="store_true",
                            help="re-encrypt the CA key under the current SECRET_KEY (after a rotation "
                                 "with the old key in SECRET_KEY_FALLBACKS)")

    def handle(self, *args, **options) -> None:
        ca, created = ensure_installation_ca()
        if options["rewrap"]:
            rewrap_ca_key()
            self.stdout.write("CA key re-encrypted under the current SECRET_KEY.")
        cert = ca.certificate
        self.stdout.write(("Created" if created else "Existing") + f" installation CA: {ca.subject}")
        self.stdout.write(f"SHA-256 fingerprint: {ca.fingerprint}")
        self.stdout.write(f"Valid until: {cert.not_valid_after_utc:%Y-%m-%d}")
