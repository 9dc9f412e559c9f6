"""The shape of the code, checked from its syntax tree (what import-linter cannot see).

- Views, the API and the live room's consumers do not write models: every change goes through
  one action (`do_*`), which locks, checks, audits and publishes.
- Settings are read from the environment only in ecabinet/settings.py.
- E-mail is built and sent only by the outbox (ecabinet/mail.py): anything else puts it there.
- No `except ImportError` guard around an import of our own apps (they are always there), and no
  reading of a function's arity (`__code__.co_argcount`) to decide how to call it.

Each test names every offender (file:line and the code), so a failure says what to move.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("ecabinet", "meetings", "signing")

# Methods that write (or lock rows for writing) through the ORM or a model form.
WRITE_METHODS = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create",
                 "update_or_create", "select_for_update"}
# Receivers whose .delete()/.save() is not a model write: the cache and session, file storage,
# ninja's route decorators (@router.delete), a QR code written to a buffer.
NOT_MODELS = {"cache", "session", "default_storage", "storage", "router", "api", "segno"}

# Reading the environment outside settings.py, each with the reason it is not a setting.
ENVIRONMENT_ALLOWED = {
    "ecabinet/asgi.py": "names the settings module for the server (Django's bootstrap)",
    "ecabinet/intake.py": "hands PATH to the sandboxed PDF checker and office converter child processes",
    "signing/pdf/_workers.py": "hands the environment to the PDF worker child process",
}


def source_files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_entry_module(name: str) -> bool:
    """Views, API and websocket consumers: the thin layer that only calls actions."""
    parts = name.removesuffix(".py").split("/")
    return any(
        re.fullmatch(r"(views|api)(_\w+)?", part) or part == "live" or part.endswith("api")
        for part in parts[1:]
    )


def receiver_name(node: ast.expr) -> str:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            return node.attr if not isinstance(node.value, ast.Name) else node.value.id
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def model_writes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method in WRITE_METHODS and receiver_name(node.func.value) not in NOT_MODELS:
            yield node.lineno, ast.unparse(node)[:100]
        # QuerySet.update takes keywords only; dict.update/set.update take a positional mapping.
        elif method == "update" and node.keywords and not node.args:
            yield node.lineno, ast.unparse(node)[:100]


def environment_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}:
            yield node.lineno, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(alias.name in {"environ", "environb", "getenv", "getenvb"} for alias in node.names):
            yield node.lineno, ast.unparse(node)


# Django's ways of building or sending an e-mail; only ecabinet/mail.py uses them.
MAIL_SENDERS = {"EmailMessage", "EmailMultiAlternatives", "send_mail", "send_mass_mail", "mail_admins",
                "mail_managers", "get_connection"}
MAIL_MODULE = "ecabinet/mail.py"


def mail_sends(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.core.mail") \
                and any(alias.name in MAIL_SENDERS for alias in node.names):
            yield node.lineno, ast.unparse(node)
        elif isinstance(node, ast.Attribute) and node.attr in MAIL_SENDERS \
                and receiver_name(node.value) == "mail":
            yield node.lineno, ast.unparse(node)


def guarded_own_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    def catches_import_error(handler: ast.ExceptHandler) -> bool:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        return any(isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError"} for n in names)

    def own(node: ast.AST) -> bool:
        if isinstance(node, ast.ImportFrom):
            return (node.module or "").split(".")[0] in APPS
        if isinstance(node, ast.Import):
            return any(alias.name.split(".")[0] in APPS for alias in node.names)
        # import_module(name) under such a guard: the name is not known here, so it counts too
        if isinstance(node, ast.Call):
            func = node.func
            return (isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}) or (
                isinstance(func, ast.Attribute) and func.attr == "import_module")
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(catches_import_error(h) for h in node.handlers):
            for statement in node.body:
                for inner in ast.walk(statement):
                    if own(inner):
                        yield getattr(inner, "lineno", node.lineno), ast.unparse(inner)


def arity_reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"co_argcount", "co_varnames", "__code__"}:
            yield node.lineno, ast.unparse(node)


def offenders(check, files) -> list[str]:
    found = []
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{relative(path)}:{line}: {code}" for line, code in check(tree)]
    return found


def test_the_checks_see_what_they_look_for():
    """Each check finds its pattern in a sample (so an empty result means something)."""
    sample = ast.parse(
        "import os\n"
        "Meeting.objects.filter(pk=1).update(title='x')\n"
        "context.update({'a': 1})\n"
        "form.save()\ncache.delete('k')\n"
        "Poll.objects.select_for_update().get(pk=1)\n"
        "os.environ.get('X')\n"
        "try:\n    from meetings.selectors import home_meetings\nexcept ImportError:\n    pass\n"
        "rule.__code__.co_argcount\n"
        "try:\n    module = import_module(name)\nexcept ModuleNotFoundError:\n    pass\n"
        "from django.core.mail import EmailMessage\n"
        "mail.send_mail('s', 'b', None, ['a@b'])\n"
    )
    assert [line for line, _ in model_writes(sample)] == [2, 4, 6]
    assert [line for line, _ in environment_reads(sample)] == [7]
    assert [line for line, _ in guarded_own_imports(sample)] == [9, 14]
    assert [line for line, _ in arity_reads(sample)] == [12, 12]
    assert [line for line, _ in mail_sends(sample)] == [17, 18]
    assert is_entry_module("meetings/views/room.py") and is_entry_module("signing/api.py")
    assert is_entry_module("meetings/live/consumers.py") and is_entry_module("meetings/api/room.py")
    assert is_entry_module("ecabinet/api_docs.py") and not is_entry_module("meetings/actions/room.py")


def test_views_api_and_consumers_do_not_write_models():
    entry_points = [path for path in source_files() if is_entry_module(relative(path))]
    assert len(entry_points) > 10  # the layout this check assumes is still there
    found = offenders(model_writes, entry_points)
    assert not found, "Move these writes into an action (do_*):\n" + "\n".join(found)


def test_only_settings_reads_the_environment():
    files = [path for path in source_files() if relative(path) not in {"ecabinet/settings.py",
                                                                           *ENVIRONMENT_ALLOWED}]
    found = offenders(environment_reads, files)
    assert not found, "Read these in ecabinet/settings.py and use django.conf.settings:\n" + "\n".join(found)
    for name in ENVIRONMENT_ALLOWED:  # an exception whose reason is gone goes too
        assert list(offenders(environment_reads, [ROOT / name])), name


def test_mail_leaves_only_through_the_outbox():
    files = [path for path in source_files() if relative(path) != MAIL_MODULE]
    found = offenders(mail_sends, files)
    assert not found, "Put these e-mails in the outbox (ecabinet/mail.py: queue_mail):\n" + "\n".join(found)
    assert list(offenders(mail_sends, [ROOT / MAIL_MODULE]))  # the check sees the one sender


def test_no_import_guards_between_our_apps():
    found = offenders(guarded_own_imports, source_files())
    assert not found, "Our own apps are always installed; import them plainly:\n" + "\n".join(found)


def test_no_calling_by_arity():
    found = offenders(arity_reads, source_files())
    assert not found, "Call one signature instead of inspecting it:\n" + "\n".join(found)
