"""Write the user guide's first pages (ecabinet/help_seed.py) into an empty guide."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ecabinet.help_seed import seed_help


class Command(BaseCommand):
    help = "Write the user guide's first pages (Vietnamese, per role) into an empty guide."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Add the pages missing by key to a guide that has pages")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        created = seed_help(force=force)
        self.stdout.write(f"help pages created: {created}")
