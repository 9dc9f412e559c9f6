"""Suite-wide fixtures and the parallel run (pytest-xdist).

`make test` runs `pytest -n 2` (`--dist loadgroup` is implied, below): each worker gets its own test database
(pytest-django suffixes the name with the worker id), its own Redis key prefix for the channel
layer and the cache (server processes the tests start inherit it through REDIS_PREFIX), its own
media folder; servers the tests start bind ephemeral ports. Modules in SERIAL_MODULES measure
time or load and share one worker (`xdist_group`), so they never run beside each other.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from ecabinet.collector import collect_less_often, leave_out_what_lives_on

pytest_plugins = ["tests.kit.browser"]

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

# Timing-sensitive: bursts and fan-out under load, slow clients.
SERIAL_MODULES = {
    "tests/meetings/test_room_burst.py",
    "tests/meetings/test_live_scaleout.py",
    "tests/meetings/test_live_slow.py",
}
# schemathesis generates the fuzzer's cases at run time; under pytest-xdist only the two parent
# tests run and pass without calling a single endpoint. `make test` runs it in its own process.
FUZZ_MODULE = "tests/ecabinet/test_api_fuzz.py"
_worker_dirs: list[str] = []


def _separate_worker(worker: str) -> None:
    """Keep this worker's shared state (Redis keys and channels, media) apart from the others'."""
    from django.conf import settings

    prefix = f"{os.environ.get('REDIS_PREFIX', 'ecabinet')}-{worker}"
    os.environ["REDIS_PREFIX"] = prefix
    layer_config = settings.CHANNEL_LAYERS["default"].get("CONFIG")
    if layer_config is not None and "prefix" in layer_config:
        layer_config["prefix"] = prefix
    cache = settings.CACHES["default"]
    if "KEY_PREFIX" in cache:
        cache["KEY_PREFIX"] = prefix
    media = tempfile.mkdtemp(prefix=f"ecabinet-media-{worker}-")
    os.environ["MEDIA_ROOT"] = media
    settings.MEDIA_ROOT = media
    _worker_dirs.append(media)


def pytest_configure(config: pytest.Config) -> None:
    # The server's collector settings (ecabinet/collector.py) for the test processes as well: a test
    # allocates as much as a page, many times over.
    collect_less_often()
    # `-n N` alone would spread the serial group over the workers: group by xdist_group.
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if WORKER:
        # pytest-django has loaded the settings by now; channel layers and caches are built on
        # first use, after this.
        _separate_worker(WORKER)


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _worker_dirs:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_finish(session: pytest.Session) -> None:
    leave_out_what_lives_on()  # the modules and the collected tests live as long as the session


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = str(config.rootpath)
    for item in items:
        path = os.path.relpath(str(item.path), root)
        if path == FUZZ_MODULE and (WORKER or getattr(config.option, "numprocesses", None)):
            raise pytest.UsageError(f"{FUZZ_MODULE} does not run under pytest-xdist: run it with -p no:xdist "
                                    f"(make test does), or leave it out with --ignore={FUZZ_MODULE}")
        if path in SERIAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Each test writes its uploads and signed versions into its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


def require_tool(tool: str, package: str) -> None:
    """Skip (never silently: make test names the missing package) unless CI, where it must exist."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} ({package}) must be installed in CI")
        pytest.skip(f"{tool} not installed ({package})")


@pytest.fixture(autouse=True)
def _rights_kept_by_no_earlier_test():
    """A TestCase rolls back its role changes without a signal, after its captured commits may
    have kept the rights of that moment (ecabinet/rights_cache.py): each test starts a new version."""
    from ecabinet.rights_cache import _new_version

    _new_version()


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request in English (the language switch, an English page) leaves English active in the
    thread; the next class would then build its data, notifications included, in English."""
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
