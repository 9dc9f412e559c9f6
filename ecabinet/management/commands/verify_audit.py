from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ecabinet.audit import verify_chain
from ecabinet.models import AuditEvent


class Command(BaseCommand):
    help = "Walk the audit chain and name the first row that was edited, deleted or reordered."

    def handle(self, *args, **options) -> None:
        problem = verify_chain()
        if problem is not None:
            raise CommandError(f"{problem.message} [{problem.kind}]")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {count} rows"))
