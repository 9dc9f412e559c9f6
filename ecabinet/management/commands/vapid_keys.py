"""`manage.py vapid_keys`: make the server's Web Push key once (run by `make run`/`make dev`) and
print its public half. An existing key is never replaced: that would end every device's subscription."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ecabinet.vapid import ensure_private_key, public_key_b64


class Command(BaseCommand):
    help = "Generate the VAPID key for Web Push into VAPID_PRIVATE_KEY_FILE if missing; print the public key."

    def handle(self, *args: Any, **options: Any) -> None:
        key_file = settings.VAPID_PRIVATE_KEY_FILE
        made = ensure_private_key(key_file)
        if made:
            self.stderr.write(f"VAPID key generated: {key_file}")
        self.stdout.write(public_key_b64(key_file))
