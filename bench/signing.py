"""Signing/verification throughput of the PDF core. Run: .venv/bin/python bench/signing.py

Prints, per file size: signatures/s (invisible and with the Vietnamese stamp),
verifications/s (through the time-limited worker and in-process), the I/O+crypto "floor"
(read + SHA-256 + one signature op + write), sign-time/floor, and peak extra memory
(tracemalloc) relative to the file size. No Django or database needed.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from fpdf import FPDF  # noqa: E402

from signing.pdf import pades, pki  # noqa: E402
from signing.pdf.stamp import StampInfo, roboto_path  # noqa: E402
from signing.pdf.verify import verify_pdf_bytes, verify_pdf_in_process  # noqa: E402

SIZES = [("100 KB", 100 * 1024), ("1 MB", 1024 * 1024), ("10 MB", 10 * 1024 * 1024)]


def build_pdf(size: int) -> bytes:
    pdf = FPDF()
    pdf.add_font("Roboto", fname=roboto_path())
    pdf.set_font("Roboto", size=12)
    for i in range(3):
        pdf.add_page()
        pdf.cell(text=f"Biên bản họp — trang {i + 1}")
    # incompressible attachment so the file has the requested size (3 pages + font ~ 5 KB)
    pdf.embed_file(bytes=os.urandom(max(0, size - 6000)), basename="phu-luc.bin", compress=False)
    return bytes(pdf.output())


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    ca_key, ca_cert = pki.create_ca("Bench CA", "UBND")
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca_key, ca_cert, full_name="Nguyễn Văn Ánh", unit_name="Sở Tư pháp", public_key=key.public_key()
    )
    signer = pades.make_key_signer(key, cert, [ca_cert])
    stamp = StampInfo("Nguyễn Văn Ánh", "Giám đốc", "Sở Tư pháp", "Phê duyệt", datetime.now(UTC))
    roots = [ca_cert]
    from cryptography.hazmat.primitives import serialization

    roots_der = [ca_cert.public_bytes(serialization.Encoding.DER)]
    tmp = Path(tempfile.mkdtemp())

    print(f"{'size':>7} | {'sign/s':>7} {'stamp/s':>7} | {'verify/s':>8} {'in-proc':>7} | "
          f"{'floor ms':>8} {'sign ms':>8} {'ratio':>5} | {'mem x':>5}")
    for label, size in SIZES:
        data = build_pdf(size)
        label = f"{len(data) / 1024:.0f} KB" if len(data) < 1 << 20 else f"{len(data) / (1 << 20):.1f} MB"
        src = tmp / "in.pdf"
        src.write_bytes(data)
        runs = 30 if size < 500_000 else 10 if size < 5_000_000 else 5

        pades.sign_pdf(data, signer, stamp=stamp)  # warm caches (font, attributes)

        def sign_file(src: Path = src) -> None:
            out = pades.sign_pdf(src.read_bytes(), signer)
            (tmp / "out.pdf").write_bytes(out)

        def floor(src: Path = src) -> None:
            raw = src.read_bytes()
            digest = hashlib.sha256(raw).digest()
            key.sign(digest, ec.ECDSA(hashes.SHA256()))
            (tmp / "floor.pdf").write_bytes(raw)

        t_sign = timed(sign_file, runs)
        t_stamp = timed(lambda d=data: pades.sign_pdf(d, signer, stamp=stamp), runs)
        t_floor = timed(floor, runs)
        signed = pades.sign_pdf(data, signer)
        verify_pdf_bytes(signed, trust_roots=roots)  # start the worker
        t_verify = timed(lambda s=signed: verify_pdf_bytes(s, trust_roots=roots), runs)
        t_inproc = timed(lambda s=signed: verify_pdf_in_process(s, roots_der, "x.pdf", 200), runs)
        assert verify_pdf_bytes(signed, trust_roots=roots)["status"] == "valid"

        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        pades.sign_pdf(data, signer, stamp=stamp)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        print(
            f"{label:>7} | {1 / t_sign:7.1f} {1 / t_stamp:7.1f} | {1 / t_verify:8.1f} "
            f"{1 / t_inproc:7.1f} | {t_floor * 1e3:8.2f} {t_sign * 1e3:8.2f} "
            f"{t_sign / t_floor:5.2f} | {(peak - base) / len(data):5.2f}"
        )


if __name__ == "__main__":
    main()
