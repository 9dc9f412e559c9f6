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
    "soffice": "libreoffice-writer-nogui, libreoffice-calc-nogui, libreoffice-impress-nogui "
               "(office documents to PDF: tests/ecabinet/test_office_convert.py)",
}
# The office converter's fonts: without them a converted document loses its layout (not a skip).
FONTS = {
    "/usr/share/fonts/truetype/liberation2": "fonts-liberation2",
    "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf": "fonts-crosextra-carlito",
    "/usr/share/fonts/truetype/crosextra/Caladea-Regular.ttf": "fonts-crosextra-caladea",
}

database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
layer = "Redis channel layer" if os.environ.get("REDIS_URL") else "in-memory channel layer"
print(f"eCabinet tests: database={database}, {layer}.")
missing = [desc for tool, desc in TOOLS.items() if shutil.which(tool) is None]
if missing:
    print("SKIPPED SUITES (system package missing): " + "; ".join(missing))
fonts = [package for path, package in FONTS.items() if not os.path.exists(path)]
if shutil.which("soffice") and fonts:
    print("MISSING FONTS for office conversion (layout will differ): " + ", ".join(fonts))
if shutil.which("unshare") is None:
    print("NOTE: unshare (util-linux) missing: sandboxed file checks and conversions run without a "
          "network namespace of their own.")
