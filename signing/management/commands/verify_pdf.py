"""``manage.py verify_pdf FILE [--trust CA.pem ...] [--json]``: the DESIGN.md report.

Exit code: 0 valid, 1 any other verdict, 2 when the file cannot be read as a PDF.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecabinet.errors import ActionError
from ecabinet.intake import Purpose, intake_pdf
from signing.pdf.verify import verify_pdf_bytes
from signing.trust import installation_trust_roots
from signing.verification import explain

_VI_STATUS = {
    "valid": "hợp lệ",
    "untrusted": "chữ ký nguyên vẹn nhưng chứng thư không được tin cậy",
    "modified": "tài liệu đã bị sửa đổi sau khi ký",
    "invalid": "chữ ký không hợp lệ",
    "unsigned": "tài liệu không có chữ ký",
    "error": "không đọc được tệp PDF",
}


def _error_report(path: Path, error: str) -> dict:
    return {"file": path.name, "status": "error", "error": error, "signatures": []}


def _installation_roots() -> list:
    return list(installation_trust_roots())


class Command(BaseCommand):
    help = "Verify the signatures of a PDF file."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("file")
        parser.add_argument(
            "--trust", action="append", default=[], metavar="CA.pem", help="extra trust root"
        )
        parser.add_argument("--json", action="store_true", help="print the JSON report")
        parser.add_argument(
            "--no-installation-roots",
            action="store_true",
            help="trust only the --trust certificates",
        )
        parser.add_argument("--time-limit", type=float, default=30.0)

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        path = Path(options["file"])
        roots: list = []
        for trust in options["trust"]:
            try:
                roots.append(Path(trust).read_bytes())
            except OSError as exc:
                raise CommandError(f"cannot read trust root {trust}: {exc}") from exc
        if not options["no_installation_roots"]:
            roots.extend(_installation_roots())
        try:
            with path.open("rb") as pdf_file:
                # The same intake as every upload (size, pages, inflate and time limits);
                # a refused file is an "error" verdict with the intake's message.
                intake_pdf(pdf_file, name=path.name, purpose=Purpose.VERIFY)
                data = pdf_file.read()
        except OSError as exc:
            report = _error_report(path, str(exc))
        except ActionError as exc:
            report = _error_report(path, exc.message)
        else:
            report = verify_pdf_bytes(
                data, trust_roots=roots, filename=path.name, time_limit_s=options["time_limit"],
                max_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
            )
        # Every field of the report as it was, plus the reader's (signing/verification.py).
        report = explain(report)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(self._summary(report))
        self.stdout.flush()
        status = report["status"]
        sys.exit(0 if status == "valid" else 2 if status == "error" else 1)

    def _summary(self, report: dict) -> str:
        lines = [f"{report['file']}: {_VI_STATUS.get(report['status'], report['status'])}"]
        if report["error"]:
            lines.append(f"  Lỗi: {report['error']}")
        for sig in report["signatures"]:
            lines.append(
                f"  - {sig['field']}: {sig['signer'] or '?'}, ký lúc {sig['signed_at'] or '?'}"
                f" — {_VI_STATUS.get(sig['status'], sig['status'])}"
            )
            lines.extend(f"      {line['label']}: {line['text']}" for line in sig["details"])
        return "\n".join(lines)
