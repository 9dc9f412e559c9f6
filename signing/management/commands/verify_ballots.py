"""manage.py verify_ballots EXPORT.json: verify every signed ballot of a results export offline
(signature against its x5c certificate, chain to this installation's trust roots, the voter named
by the certificate). Prints one line per ballot, ok or failed with the reasons; exit status 1
when any ballot fails."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from signing.ballots import verify_ballot


class Command(BaseCommand):
    help = "Verify the signed ballots of a vote results export (JSON)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("export", help="the results export (JSON) downloaded from the meeting's votes page")
        parser.add_argument("--json", action="store_true", help="print one JSON report")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["export"], encoding="utf-8") as handle:
                data = json.load(handle)
            polls = data["polls"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(_("Not a results export: %(why)s") % {"why": exc}) from None
        report, failed = [], 0
        for poll in polls:
            for ballot in poll.get("signed_ballots", []):
                check = verify_ballot(ballot.get("jws", ""))
                statement = check.statement
                # The export's own line must say what the signature says.
                if check.ok and (statement.get("poll") != poll.get("id") or statement.get("option") != ballot.get("option")):
                    check.ok = False
                    check.problems.append(_("The export's choice differs from the signed ballot's."))
                failed += not check.ok
                report.append({"poll": poll.get("id"), "seat": ballot.get("seat"), **check.as_dict()})
                if not options["json"]:
                    status = "ok" if check.ok else "FAILED"
                    self.stdout.write(f"{status}\tpoll {poll.get('id')}\tseat {ballot.get('seat')}\t"
                                      f"{statement.get('voter', '?')}\t{statement.get('option', '?')}\t"
                                      + "; ".join(check.problems))
        if options["json"]:
            self.stdout.write(json.dumps({"ballots": report, "failed": failed}, ensure_ascii=False))
        else:
            self.stdout.write(_("%(n)d signed ballots, %(failed)d failed.") % {"n": len(report), "failed": failed})
        if failed:
            raise SystemExit(1)
