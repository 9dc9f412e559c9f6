"""Update one app's Vietnamese catalog: `python scripts/makemessages.py meetings`.

Each app keeps its own catalog in <app>/locale, fed by its Python code and by templates/<app>/
(templates/*.html at the top level belong to ecabinet). Needs GNU gettext (xgettext) on the
developer's machine; running and testing the app does not (Babel compiles the .mo files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["ecabinet", "meetings", "signing"]


def main(app: str) -> None:
    if app not in APPS:
        raise SystemExit(f"usage: makemessages.py {{{'|'.join(APPS)}}}")
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["ECABINET_LOCALE_APP"] = app
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    (ROOT / app / "locale").mkdir(exist_ok=True)
    ignore = [".venv", "var", "tests", "bench", "scripts", "static", "node_modules"]
    ignore += [other for other in APPS if other != app]
    ignore += [f"templates/{other}" for other in APPS if other != app]
    if app != "ecabinet":
        # Name the top-level templates one by one: a glob like templates/*.html would also
        # match templates/<app>/… (fnmatch's * crosses slashes) and extract nothing.
        ignore += [str(p.relative_to(ROOT)) for p in (ROOT / "templates").glob("*.html")]
        ignore += ["templates/admin"]
    args = ["manage.py", "makemessages", "-l", "vi", "--no-obsolete"]
    for pattern in ignore:
        args += ["-i", pattern]
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
