"""Office documents to PDF: our path against LibreOffice's own command, in the same run.
Run: .venv/bin/python bench/convert.py [--runs 3] [--pages 30]

A .docx of `--pages` pages (Vietnamese text, Times New Roman, built by tests/kit/office.py) is
converted, round-robin so every variant sees the same machine load:

- ours: `intake_pdf` as an upload gets it: the look inside the file (zip, content types,
  macros, encryption), LibreOffice in the sandbox (limits, a network namespace, a clean
  environment) with a fresh profile made for this conversion, then the PDF check in its own
  sandboxed process;
- soffice: `soffice --headless --convert-to pdf` alone, with its usual (warm, reused) profile;
- soffice, fresh profile: the same command with a new `-env:UserInstallation` each time, to
  show what a fresh profile costs by itself.

Prints the median wall time of each, pages per second, and ours against soffice. No asserts.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from ecabinet.intake import Purpose, intake_pdf  # noqa: E402
from ecabinet.sandbox import network_isolated  # noqa: E402
from tests.kit.office import docx_bytes  # noqa: E402


def ours(data: bytes) -> int:
    checked = intake_pdf(SimpleUploadedFile("bench.docx", data), name="bench.docx", purpose=Purpose.MEETING_DOCUMENT)
    return checked.pages


def soffice(data: bytes, *, fresh_profile: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="ecb-bench-") as work:
        source = os.path.join(work, "bench.docx")
        Path(source).write_bytes(data)
        args = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", work, source]
        if fresh_profile:
            args.insert(2, f"-env:UserInstallation=file://{work}/profile")
        subprocess.run(args, check=True, capture_output=True, timeout=600)
        return len(PdfReader(io.BytesIO(Path(work, "bench.pdf").read_bytes())).pages)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=30)
    options = parser.parse_args()
    if shutil.which("soffice") is None:
        sys.exit("soffice is not installed (libreoffice-writer-nogui)")
    data = docx_bytes(pages=options.pages)
    variants = {
        "ours (inspect + sandbox + fresh profile + PDF check)": ours,
        "soffice --convert-to pdf (warm profile)": lambda d: soffice(d, fresh_profile=False),
        "soffice --convert-to pdf (fresh profile)": lambda d: soffice(d, fresh_profile=True),
    }
    soffice(data, fresh_profile=False)  # warm the default profile once, as a server's would be
    times: dict[str, list[float]] = {name: [] for name in variants}
    pages: dict[str, int] = {}
    for _ in range(options.runs):
        for name, run in variants.items():
            started = time.perf_counter()
            pages[name] = run(data)
            times[name].append(time.perf_counter() - started)
    load = os.getloadavg()[0]
    print(f"{options.pages}-page .docx ({len(data) / 1024:.0f} KB), {options.runs} runs each, load {load:.2f}, "
          f"network namespace: {'yes' if network_isolated() else 'no'}")
    baseline = statistics.median(times["soffice --convert-to pdf (warm profile)"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:55s} {median:6.2f} s  {pages[name] / median:6.1f} pages/s  "
              f"x{median / baseline:4.2f} of soffice  (min {min(values):.2f} s, {pages[name]} pages)")


if __name__ == "__main__":
    main()
