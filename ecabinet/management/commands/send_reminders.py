from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ecabinet.mail import send_due, send_due_mail
from ecabinet.push import drain
from ecabinet.reminders import collectors, run_one


class Command(BaseCommand):
    help = ("Send the reminders that are due (each at most once) and the e-mails waiting in the outbox. "
            "The task queue does this every minute; this is the manual trigger. --queue hands them to the "
            "queue's consumer instead.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue", action="store_true",
                            help="enqueue one task per collector for the consumer (manage.py run_huey)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            from ecabinet.tasks import enqueue_collectors

            for name in enqueue_collectors():
                self.stdout.write(f"{name}: queued")
            send_due_mail()  # and the outbox's sweep, as the scheduler does each minute
            self.stdout.write("mail: queued")
            return
        now = timezone.now()
        failed = []
        for name in sorted(collectors()):
            # one failing collector is reported; the others still run
            try:
                self.stdout.write(f"{name}: {run_one(name, now)}")
            except Exception as exc:  # noqa: BLE001 - reported, then the command fails at the end
                self.stderr.write(f"{name}: failed: {exc!r}")
                failed.append(name)
        drain()  # the pushes the reminders queued go out before the job ends
        self.stdout.write(f"mail: {send_due()}")  # and the outbox, where no worker may be running
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}")
