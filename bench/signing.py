"""Signing/verification throughput of the PDF core. Run: .venv/bin/python bench/signing.py

Prints, per file size: signatures/s (invisible, read from and written to a file; and with
the Vietnamese stamp, in memory), verifications/s (through the time-limited worker and
in-process), the I/O+crypto "floor" (read + SHA-256 + one signature op + write),
sign-time/floor, and peak extra memory (tracemalloc) of a stamped signature relative to
the file size. No Django or database needed.

Two views of the same runs:
- wall clock: what a caller waits for. On a shared machine it includes waiting for a CPU
  (the load average is printed); the functions are called round-robin so the floor and
  the signing it is compared to see the same load.
- CPU time: what the work costs (user+system time of this process, plus the worker's run
  time from /proc/<pid>/schedstat for verifications through the worker). On an idle
  machine the wall clock comes close to it.

``--runs-scale 2`` doubles the number of runs.
"""

from __future__ import annotations

import argparse
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

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from fpdf import FPDF  # noqa: E402

from signing.pdf import _workers, pades, pki  # noqa: E402
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


def _worker_cpu_ns() -> int:
    """CPU time used so far by the idle verification workers (Linux; 0 elsewhere)."""
    total = 0
    for worker in list(_workers._idle):
        try:
            pid = getattr(worker, "proc", worker).pid  # (a Popen before the memfd change)
            with open(f"/proc/{pid}/schedstat") as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def timed(fns: dict, runs: int) -> tuple[dict, dict]:
    """Median wall time and mean CPU time of each function, called round-robin so that a
    load change on a shared machine hits all of them alike."""
    wall: dict = {name: [] for name in fns}
    cpu: dict = {name: 0.0 for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            w0, c0, k0 = time.perf_counter(), time.process_time(), _worker_cpu_ns()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name] += time.process_time() - c0 + (_worker_cpu_ns() - k0) / 1e9
    return (
        {name: statistics.median(v) for name, v in wall.items()},
        {name: v / runs for name, v in cpu.items()},
    )


def stamp_cache_miss_ms(signer, data: bytes, runs: int = 5) -> float:
    """A stamp whose glyphs are new to this process: the font subset is built (fontTools)."""
    from signing.pdf import _stampfont
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    samples = []
    for i in range(runs):
        name = " ".join(letters[(i * 7 + k) % len(letters)] * 3 for k in range(12))
        info = StampInfo(name, "Chuyên viên", "Văn phòng", "Đồng ý", datetime.now(UTC))
        before = _stampfont.subset_cache_info().misses
        t = time.perf_counter()
        pades.sign_pdf(data, signer, stamp=info)
        samples.append(time.perf_counter() - t)
        assert _stampfont.subset_cache_info().misses == before + 1
    return statistics.median(samples) * 1e3


def _row(label: str, t: dict, mem: float | None) -> str:
    ratio = t["sign"] / t["floor"]
    return (
        f"{label:>7} | {1 / t['sign']:7.1f} {1 / t['stamp']:7.1f} | {1 / t['verify']:8.1f} "
        f"{1 / t['inproc']:7.1f} | {t['floor'] * 1e3:8.2f} {t['sign'] * 1e3:8.2f} "
        f"{ratio:5.2f} | " + (f"{mem:5.2f}" if mem is not None else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs-scale", type=float, default=1.0)
    opts = parser.parse_args()

    ca_key, ca_cert = pki.create_ca("Bench CA", "UBND")
    key = pki.generate_key()
    cert = pki.issue_signing_certificate(
        ca_key, ca_cert, full_name="Nguyễn Văn Ánh", unit_name="Sở Tư pháp", public_key=key.public_key()
    )
    signer = pades.make_key_signer(key, cert, [ca_cert])
    stamp = StampInfo("Nguyễn Văn Ánh", "Giám đốc", "Sở Tư pháp", "Phê duyệt", datetime.now(UTC))
    roots = [ca_cert]
    roots_der = [ca_cert.public_bytes(serialization.Encoding.DER)]
    tmp = Path(tempfile.mkdtemp())

    header = (
        f"{'size':>7} | {'sign/s':>7} {'stamp/s':>7} | {'verify/s':>8} {'in-proc':>7} | "
        f"{'floor ms':>8} {'sign ms':>8} {'ratio':>5} | {'mem x':>5}"
    )
    wall_rows, cpu_rows = [], []
    load_before = os.getloadavg()[0]
    for label, size in SIZES:
        data = build_pdf(size)
        label = f"{len(data) / 1024:.0f} KB" if len(data) < 1 << 20 else f"{len(data) / (1 << 20):.1f} MB"
        src = tmp / "in.pdf"
        src.write_bytes(data)
        runs = 60 if size < 500_000 else 20 if size < 5_000_000 else 10
        runs = max(3, int(runs * opts.runs_scale))

        pades.sign_pdf(data, signer, stamp=stamp)  # warm caches (font, attributes)

        def sign_file(src: Path = src) -> None:
            out = pades.sign_pdf(src.read_bytes(), signer)
            (tmp / "out.pdf").write_bytes(out)

        def floor(src: Path = src) -> None:
            raw = src.read_bytes()
            digest = hashlib.sha256(raw).digest()
            key.sign(digest, ec.ECDSA(hashes.SHA256()))
            (tmp / "floor.pdf").write_bytes(raw)

        signed = pades.sign_pdf(data, signer)
        assert verify_pdf_bytes(signed, trust_roots=roots)["status"] == "valid"  # starts the worker
        wall, cpu = timed(
            {
                "floor": floor,
                "sign": sign_file,
                "stamp": lambda d=data: pades.sign_pdf(d, signer, stamp=stamp),
                "verify": lambda s=signed: verify_pdf_bytes(s, trust_roots=roots),
                "inproc": lambda s=signed: verify_pdf_in_process(s, roots_der, "x.pdf", 200),
            },
            runs,
        )

        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        pades.sign_pdf(data, signer, stamp=stamp)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        wall_rows.append(_row(label, wall, (peak - base) / len(data)))
        cpu_rows.append(_row(label, cpu, None))

    load = max(load_before, os.getloadavg()[0])
    print(f"wall clock (load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(header)
    print("\n".join(wall_rows))
    print("CPU time (rates = 1 / CPU seconds per operation)")
    print(header)
    print("\n".join(cpu_rows))
    small = build_pdf(100 * 1024)
    if not (Path(pades.__file__).parent / "_stampfont.py").exists():
        return  # an older tree, measured for comparison
    print(
        "stamp with glyphs new to the process (font subset built): "
        f"{stamp_cache_miss_ms(signer, small):.1f} ms at 100 KB (wall)"
    )


if __name__ == "__main__":
    main()
