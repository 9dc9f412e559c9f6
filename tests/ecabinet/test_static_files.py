"""Static files as `make run` serves them (ecabinet/staticfiles.py): `manage.py collectstatic` run
like `make run` runs it (DEBUG off, not under the tests) into a temporary VAR_DIR, then served by
the real middleware stack from that folder: hashed names, ES module imports rewritten to hashed
names, Brotli or gzip when asked, a year's immutable caching for hashed names only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

# Runs the same whatever DATABASE_URL and REDIS_URL say (ecabinet/settings.py's checks, subprocesses
# with their own SQLite, the static files): CI runs it in the embedded pass only (.ci/run).
pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[2]
RELATIVE_IMPORT = re.compile(r"""(?:import|export)[^;]*?from\s*["'](\.{1,2}/[^"']+)["']|import\s*\(\s*["'](\.{1,2}/[^"']+)["']""")
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """VAR_DIR/static after `manage.py collectstatic` in `make run`'s environment."""
    var_dir = tmp_path_factory.mktemp("run") / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTEST_VERSION", "ECABINET_TESTING", "DEBUG", "DATABASE_URL"}}
    env.update({"DEBUG": "0", "VAR_DIR": str(var_dir)})
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return var_dir / "static"


def manifest(static_root: Path) -> dict[str, str]:
    return json.loads((static_root / "staticfiles.json").read_text())["paths"]


def test_hashed_modules_import_hashed_modules_that_exist(collected):
    paths = manifest(collected)
    own = sorted(name for name in paths if name.endswith(".js") and name.split("/")[0] in {"ecabinet", "meetings", "signing"})
    assert "meetings/room/main.js" in own and "ecabinet/net.js" in own
    checked = 0
    for name in own:
        hashed = paths[name]
        assert HASHED.search(hashed), hashed
        source = (ROOT / "static" / name).read_text()
        text = (collected / hashed).read_text()
        for match in RELATIVE_IMPORT.finditer(text):
            target = match.group(1) or match.group(2)
            assert HASHED.search(target), f"{hashed} imports {target}, not a hashed name"
            resolved = os.path.normpath(os.path.join(os.path.dirname(hashed), target))
            assert (collected / resolved).is_file(), f"{hashed} imports {target}: no such file"
            original = re.sub(r"\.[0-9a-f]{12}(\.[a-z0-9]+)$", r"\1", resolved)
            assert paths[original] == resolved, f"{hashed} imports an old copy of {original}"
            checked += 1
        # The source imports plain names; the collected copy under its own name keeps them.
        assert len(RELATIVE_IMPORT.findall(source)) == len(RELATIVE_IMPORT.findall(text))
    assert checked >= 6  # the room's main.js alone imports four modules, api.js imports net.js
    main = (collected / paths["meetings/room/main.js"]).read_text()
    assert f'from "./{os.path.basename(paths["meetings/room/views.js"])}"' in main
    assert f'from "../../{paths["ecabinet/confirm.js"]}"' in main


def test_only_what_a_browser_loads_is_collected_from_node_modules(collected):
    tinos = collected / "fonts" / "tinos"
    fonts = sorted(p.name for p in tinos.rglob("*.ttf"))
    assert "Tinos_400Regular.ttf" in fonts and "Tinos_700Bold_Italic.ttf" in fonts
    assert not list(tinos.rglob("*.js")) and not list(tinos.rglob("*.png")) and not list(tinos.rglob("*.md"))
    assert not (tinos / "package.json").exists()


@pytest.fixture
def run_settings(collected):
    """The settings `make run` serves with, pointed at the collected folder; a new Client loads
    the middleware (WhiteNoise among it) afresh under them."""
    with override_settings(
        DEBUG=False, STATIC_ROOT=collected, WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False,
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                  "staticfiles": {"BACKEND": "ecabinet.staticfiles.CompressedManifestStorage"}},
    ):
        yield manifest(collected)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_hashed_names_are_cached_a_year_and_sent_compressed(run_settings, collected):
    client = Client()
    hashed = "/static/" + run_settings["meetings/room/views.js"]
    plain = (collected / run_settings["meetings/room/views.js"]).read_bytes()

    br = client.get(hashed, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.status_code == 200
    assert br["Cache-Control"] == "max-age=31536000, public, immutable"
    assert br["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br["Vary"]
    assert br["Content-Type"].startswith("text/javascript")
    import brotli

    assert brotli.decompress(body(br)) == plain
    assert int(br["Content-Length"]) < len(plain) / 2

    gz = client.get(hashed, headers={"Accept-Encoding": "gzip"})
    assert gz["Content-Encoding"] == "gzip" and gz["Cache-Control"] == br["Cache-Control"]
    import gzip

    assert gzip.decompress(body(gz)) == plain

    identity = client.get(hashed)  # a client that asks for no encoding gets the file as it is
    assert not identity.has_header("Content-Encoding")
    assert body(identity) == plain

    # The page links the hashed name.
    page = client.get("/login/")
    assert f'href="/static/{run_settings["ecabinet/app.css"]}"' in page.content.decode()


@pytest.mark.django_db
def test_plain_names_are_not_cached_for_long(run_settings):
    # Still served (a service worker or an old page may ask by the plain name), but never
    # cached as if it could not change.
    response = Client().get("/static/meetings/room/views.js", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"
    assert "immutable" not in response["Cache-Control"]
    assert response["Content-Encoding"] == "br"


@pytest.mark.django_db
def test_nothing_outside_the_collected_folder_is_served(run_settings):
    client = Client()
    # node_modules leftovers the finder skips, and the sources' folder itself, are not there.
    assert client.get("/static/fonts/tinos/400Regular/index.js").status_code == 404
    assert client.get("/static/fonts/tinos/README.md").status_code == 404


@pytest.mark.django_db
def test_without_collectstatic_the_sources_are_served_as_they_are():
    # `make dev` and the tests: plain storage, WhiteNoise serving the source folders (finders).
    from django.conf import settings
    from django.templatetags.static import static

    assert not settings.STATIC_COLLECTED and settings.WHITENOISE_USE_FINDERS
    assert static("meetings/room/main.js") == "/static/meetings/room/main.js"
    response = Client().get("/static/meetings/room/main.js")
    assert response.status_code == 200
    assert 'from "./views.js"' in body(response).decode()
    # The same node_modules files as a collect: the font, not the package's leftovers.
    assert Client().get("/static/fonts/tinos/400Regular/Tinos_400Regular.ttf").status_code == 200
    assert Client().get("/static/fonts/tinos/400Regular/index.js").status_code == 404


ROOM_MODULES = ["meetings/room/main.js", "meetings/room/api.js", "meetings/room/socket.js",
                "meetings/room/views.js", "meetings/room/alerts.js", "meetings/room/conference.js",
                "ecabinet/confirm.js", "ecabinet/net.js", "ecabinet/http.js", "ecabinet/offline.js",
                "meetings/room/state.js", "meetings/room/absence.js", "meetings/room/seatmap.js"]


def preloads(html: str) -> list[str]:
    return re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)


def test_modulepreload_names_every_module_the_room_imports_by_its_hashed_name(run_settings):
    from django.template import Context, Template

    html = Template('{% load modules %}{% modulepreload "meetings/room/main.js" %}').render(Context())
    assert sorted(preloads(html)) == sorted("/static/" + run_settings[m] for m in ROOM_MODULES)


@pytest.mark.django_db
def test_the_room_page_preloads_its_modules():
    from meetings.models import Meeting
    from tests.kit.rooms import make_room
    from tests.kit.users import client_for

    room = make_room(Meeting.Status.SCHEDULED)
    page = client_for(room.member).get(f"/meetings/{room.meeting.pk}/room/")
    assert page.status_code == 200
    assert sorted(preloads(page.content.decode())) == sorted(f"/static/{m}" for m in ROOM_MODULES)
    # The twin: someone not in the meeting gets no room page, so no list of its modules either.
    refused = client_for(room.outsider).get(f"/meetings/{room.meeting.pk}/room/")
    assert refused.status_code == 404 and not preloads(refused.content.decode())


@pytest.mark.django_db
def test_pages_are_gzipped_for_a_browser_that_asks(client):
    import gzip

    from tests.kit.users import client_for, make_people

    people = make_people()
    member = client_for(people.member)
    page = member.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    html = gzip.decompress(page.content).decode()
    assert "<!DOCTYPE html>" in html and len(page.content) < len(html.encode()) / 2
    # The twins: a client that does not ask gets the page as it is; API answers and files are
    # never re-encoded.
    api = member.get("/api/v1/me", headers={"Accept-Encoding": "gzip"})
    assert api.status_code == 200 and not api.has_header("Content-Encoding")
    plain = member.get("/")
    assert not plain.has_header("Content-Encoding") and "<!DOCTYPE html>" in plain.content.decode()
    static = client.get("/static/ecabinet/app.css", headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200 and not static.has_header("Content-Encoding")  # finders: the source file
