from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecabinet.audit_export import write_audit_export


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = ("Export the audit chain (all of it, or the rows of --from..--to, dates included) to OUT: "
            "a directory, or a .zip. `python scripts/verify_export.py OUT` checks it offline.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the directory (created) or .zip file to write")
        parser.add_argument("--from", dest="start", type=_day, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_day, help="last day (YYYY-MM-DD)")

    def handle(self, *args, **options) -> None:
        out = Path(options["out"])
        start, end = options["start"], options["end"]
        if start and end and start > end:
            raise CommandError("--from is after --to")
        if out.exists() and (out.is_file() or any(out.iterdir())):
            raise CommandError(f"{out} exists and is not empty: choose a new place for the export")
        result = write_audit_export(out, start=start, end=end)
        if result.rows:
            self.stdout.write(self.style.SUCCESS(
                f"{result.rows} audit rows (seq {result.from_seq}..{result.to_seq}) written to {out}; "
                f"last hash {result.last_hash}; manifest SHA-256 {result.manifest_sha256}"))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"no audit rows in this range; an empty export written to {out}; "
                f"manifest SHA-256 {result.manifest_sha256}"))
