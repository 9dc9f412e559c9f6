"""Static files as `make run` serves them: collected once into STATIC_ROOT (VAR_DIR/static) under
hashed names, precompressed (Brotli and gzip), and cached by browsers for a year.

- `CompressedManifestStorage` (settings.STORAGES when DEBUG and tests are off): WhiteNoise's
  compressed manifest storage, which also rewrites the relative imports of our ES modules
  (`import { api } from "../../ecabinet/net.js"`) to the hashed names, so a module loaded under
  its hashed name never pulls an old copy of another. A compressed file already made for the
  same content is kept, so running collectstatic again (every `make run`) is quick.
- `FileSystemFinder`: STATICFILES_DIRS, but from a folder inside node_modules only the files
  a browser loads (fonts, ES modules, wasm, PDF.js's cmaps and fonts, stylesheets, images): no
  source maps, CommonJS wrappers, type declarations, READMEs or font previews.
- `StaticFilesMiddleware`: WhiteNoise, with hashed names cached for one year (`max-age=31536000,
  public, immutable`) instead of its ten; other names for 60 s.

With DEBUG on and under the tests, the plain storage and the finders serve the source folders
directly: nothing to collect (settings.STATIC_COLLECTED).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any

from django.contrib.staticfiles.finders import FileSystemFinder as DjangoFileSystemFinder
from django.contrib.staticfiles.utils import get_files
from whitenoise.compress import Compressor  # type: ignore[import-untyped]
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]

# What a page may load from a node_modules folder named in STATICFILES_DIRS.
NODE_MODULES_SERVED = (
    "*.ttf", "*.otf", "*.woff", "*.woff2",  # fonts (Tinos)
    "*.mjs", "*.wasm",  # PDF.js's build (pdf.mjs, pdf.worker.mjs), its image decoders
    "openjpeg_nowasm_fallback.js",  # PDF.js's JPEG 2000 decoder when WebAssembly is off (our CSP)
    "*.bcmap", "*.pfb", "*.icc",  # PDF.js's cmaps, standard fonts, colour profiles
    "*.css", "*.svg", "*.gif",  # a viewer's stylesheet and its icons
)
NODE_MODULES_SKIPPED = ("*.map", "*.d.ts", "*.d.mts", "*.ttf.png")


# Our own ES modules: the folders of this project's apps under static/.
OWN_MODULES = ("ecabinet/*.js", "meetings/*.js", "signing/*.js")
HASHED = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")


class CompressedManifestStorage(CompressedManifestStaticFilesStorage):
    # Django's `support_js_module_import_aggregation` rewrites imports in every *.js; its patterns
    # scan a file for each `import`/`export`, which takes long on third-party bundles of megabytes
    # (the API docs' swagger and redoc, the rich-text editor) that import nothing by relative path.
    # The same patterns, applied to our own modules only.
    support_js_module_import_aggregation = False
    patterns = CompressedManifestStaticFilesStorage.patterns + tuple(
        (glob, CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns[1])
        for glob in OWN_MODULES)

    def stored_name(self, name: str) -> str:
        # A name missing from the manifest (collectstatic not run since the file was added) is
        # given as it is, like the plain storage does: a 404 for one file, never a 500 page.
        try:
            return super().stored_name(name)
        except ValueError:
            return name

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return QuickerBrotliForLargeFiles(**kwargs)

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        yield from super().compress_files([p for p in paths if not self._compressed_already(p)])

    def _compressed_already(self, name: str) -> bool:
        """A hashed name is its content: a .br/.gz of it made by an earlier run is still right. An
        original name: the compressor gives its copies the source's modification time, so a copy
        with the same time was made from this very file."""
        source = self.path(name)
        copies = [source + suffix for suffix in (".br", ".gz") if os.path.exists(source + suffix)]
        if not copies:
            return False
        if HASHED.search(os.path.basename(name)):
            return True
        try:
            mtime = os.stat(source).st_mtime
            return any(os.stat(copy).st_mtime == mtime for copy in copies)
        except FileNotFoundError:
            return False


class QuickerBrotliForLargeFiles(Compressor):
    """Brotli at its best (quality 11) for files up to 512 KiB, ours among them; quality 9 above
    (third-party bundles and fonts): 20 times quicker for about 9 % more bytes, so a fresh
    collect takes seconds, not minutes."""

    LARGE = 512 * 1024

    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        import brotli  # type: ignore[import-untyped]

        return brotli.compress(data, quality=11 if len(data) <= QuickerBrotliForLargeFiles.LARGE else 9)


def in_node_modules(root: str | os.PathLike[str]) -> bool:
    return "node_modules" in os.path.normpath(root).split(os.sep)


def served_from_node_modules(path: str) -> bool:
    name = os.path.basename(path)
    return (any(fnmatchcase(name, p) for p in NODE_MODULES_SERVED)
            and not any(fnmatchcase(name, p) for p in NODE_MODULES_SKIPPED))


class FileSystemFinder(DjangoFileSystemFinder):
    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, Any]]:
        for _prefix, root in self.locations:
            if not os.path.isdir(root):
                continue
            storage = self.storages[root]
            for path in get_files(storage, ignore_patterns):
                if not in_node_modules(root) or served_from_node_modules(path):
                    yield path, storage

    def find_location(self, root: str, path: str, prefix: str | None = None) -> str | None:
        # What is not collected is not found either: `make dev` serves what `make run` serves.
        if in_node_modules(root) and not served_from_node_modules(path):
            return None
        return super().find_location(root, path, prefix)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    FOREVER = 365 * 24 * 60 * 60  # a year: the longest cache lifetime HTTP caches honour
