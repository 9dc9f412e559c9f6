"""Say in one line which database and channel layer the tests use, and which system tools
are missing (their suites are skipped and named here, never silently)."""

from __future__ import annotations

import os
import shutil

TOOLS = {
    "pdfsig": "poppler-utils (pdfsig/pdftotext: independent signature check)",
    "softhsm2-util": "softhsm2 (PKCS#11 signing)",
    "certutil": "libnss3-tools (NSS trust store for pdfsig)",
    "chromium": "chromium (browser tests)",
}

database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
layer = "Redis channel layer" if os.environ.get("REDIS_URL") else "in-memory channel layer"
print(f"eCabinet tests: database={database}, {layer}.")
missing = [desc for tool, desc in TOOLS.items() if shutil.which(tool) is None]
if missing:
    print("SKIPPED SUITES (system package missing): " + "; ".join(missing))
