from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from ecabinet.push import drain
from ecabinet.reminders import run_all


class Command(BaseCommand):
    help = "Send the reminders that are due (each at most once)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, sent in run_all(timezone.now()).items():
            self.stdout.write(f"{name}: {sent}")
        drain()  # the pushes the reminders queued go out before the job ends
