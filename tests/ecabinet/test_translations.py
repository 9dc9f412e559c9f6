"""Translations that cannot collide: Django merges every catalog into one, so the same English
text translated two ways in two catalogs shows whichever catalog ranks first. Each msgid (with its
context) must come out of the merged Vietnamese catalog exactly as its own app's catalog says,
whether the rival is another of our apps or Django's, auth's, admin's or axes' catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import SimpleTestCase
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext

APPS = ("ecabinet", "meetings", "signing")


def own_catalog(app: str) -> Catalog:
    with open(Path(settings.BASE_DIR) / app / "locale" / "vi" / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


def merged_translation(message: Message) -> str:
    """What a page shows for this message under Vietnamese (the singular form for plurals)."""
    if isinstance(message.id, (tuple, list)):
        singular, plural = message.id[0], message.id[1]
        if message.context:
            return npgettext(message.context, singular, plural, 1)
        return ngettext(singular, plural, 1)
    return pgettext(message.context, message.id) if message.context else gettext(message.id)


def expected_translation(message: Message) -> str:
    return message.string[0] if isinstance(message.string, (tuple, list)) else message.string


class OwnCatalogWinsTests(SimpleTestCase):
    def test_every_message_shows_its_own_apps_translation(self) -> None:
        collisions = []
        checked = 0
        with translation.override("vi"):
            for app in APPS:
                for message in own_catalog(app):
                    if not message.id or message.fuzzy or not expected_translation(message):
                        continue
                    checked += 1
                    shown = merged_translation(message)
                    if shown != expected_translation(message):
                        collisions.append(f"{app}: ({message.context!r}, {message.id!r}) "
                                          f"should be {expected_translation(message)!r}, shows {shown!r}")
        self.assertGreater(checked, 500)  # the catalogs were really read
        self.assertEqual(collisions, [], "\n".join(collisions))

    def test_every_message_is_translated(self) -> None:
        untranslated = [f"{app}: {message.id!r}" for app in APPS for message in own_catalog(app)
                        if message.id and not expected_translation(message)]
        self.assertEqual(untranslated, [])

    def test_words_with_two_senses_keep_both(self) -> None:
        with translation.override("vi"):
            self.assertEqual(pgettext("meeting record", "Minutes"), "Biên bản")
            self.assertEqual(pgettext("duration", "Minutes"), "Số phút")
            self.assertEqual(pgettext("signature", "declined"), "bị từ chối")
            self.assertEqual(pgettext("document", "version"), "phiên bản")

    def test_catalogs_compile_without_warnings(self) -> None:
        # Babel warns when msgstr[n] entries do not match the catalog's Plural-Forms.
        for app in APPS:
            with self.subTest(app=app):
                catalog = own_catalog(app)
                self.assertEqual(catalog.num_plurals, 1)
                self.assertEqual(catalog.plural_expr, "0")
                result = subprocess.run(
                    [str(Path(sys.executable).parent / "pybabel"), "compile", "-D", "django", "-f",
                     "-d", str(Path(settings.BASE_DIR) / app / "locale"),
                     "-o", "/dev/null", "-i", str(Path(settings.BASE_DIR) / app / "locale" / "vi" /
                                                  "LC_MESSAGES" / "django.po")],
                    capture_output=True, text=True, check=True)
                self.assertNotIn("WARNING", result.stdout + result.stderr)
