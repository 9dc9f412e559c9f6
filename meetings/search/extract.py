"""The text of every page of a stored PDF, read in the one sandbox (`ecabinet/sandbox.py`).

The file passed the intake's check at upload, but reading its text is still parsing an
uploaded file: it runs as a child process (this file run as a script, pypdf only, no Django)
under the intake's time and memory limits. A page whose text cannot be read is empty: search
then finds the document by its title only.
"""

from __future__ import annotations

import json
import os
import sys

MAX_PAGE_CHARS = 20_000  # a page of text is a few thousand characters; more is not a page of prose


def extract_pages(path: str) -> list[str]:
    """In the server: the page texts of the PDF at `path` (empty list if it cannot be read)."""
    from ecabinet.intake import child_env, limits
    from ecabinet.sandbox import run_sandboxed

    lim = limits()
    args = [sys.executable, "-I", os.path.abspath(__file__), path, str(lim["max_pages"])]
    outcome = run_sandboxed(args, seconds=lim["seconds"], memory=lim["memory"], env=child_env())
    if outcome.timed_out or outcome.returncode != 0:
        return []
    try:
        pages = json.loads(outcome.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return []
    return [str(p) for p in pages] if isinstance(pages, list) else []


def _read(path: str, max_pages: int) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    texts: list[str] = []
    for page in reader.pages[:max_pages]:
        try:
            texts.append((page.extract_text() or "")[:MAX_PAGE_CHARS])
        except Exception:  # noqa: BLE001 - one unreadable page must not lose the others
            texts.append("")
    return texts


if __name__ == "__main__":
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    sys.stdout.write(json.dumps(_read(sys.argv[1], int(sys.argv[2])), ensure_ascii=False) + "\n")
