"""eCabinet settings: one module, read strictly from the environment.

Every value that comes from the environment is parsed here and a bad value stops the
process with ImproperlyConfigured, so a typo in a deployment never runs with a silent default.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import overload
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


@overload
def env_str(name: str) -> str | None: ...
@overload
def env_str(name: str, default: str) -> str: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a comma-separated list of IP addresses or CIDR networks, got {item!r}"
            ) from None
    return networks


def env_url(name: str, schemes: set[str]) -> str | None:
    value = env_str(name)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(
            f"{name} must be a URL with scheme {'/'.join(sorted(schemes))}, got {value!r}"
        )
    return value


DEBUG = env_bool("DEBUG", False)
# pytest (8.2+) sets PYTEST_VERSION for the whole session.
TESTING = env_bool("ECABINET_TESTING", "PYTEST_VERSION" in os.environ)

VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY_MIN_LENGTH = 50


def _generated_secret_key(key_file: Path) -> str:
    """The key in `key_file`, generated there once if there is none.

    Created atomically and never overwritten: the key is written to a private temporary file and
    hard-linked into place, so a reader never sees half a key, and of two processes starting at
    once (migrate and the server, several workers) the second links nothing and reads the first's.
    """
    if not key_file.exists():
        temporary = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as stream:
                stream.write(secrets.token_urlsafe(SECRET_KEY_MIN_LENGTH))
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(temporary, key_file)
            except FileExistsError:
                pass  # another process made it first: theirs is the key
        finally:
            temporary.unlink(missing_ok=True)
    key = key_file.read_text().strip()
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{key_file} must hold a key of at least {SECRET_KEY_MIN_LENGTH} characters; "
            "delete it to have a new one generated (signed-in sessions end)"
        )
    return key


# Unset: a key generated once under VAR_DIR, so `manage.py` and `make run` work in a fresh
# checkout and sessions survive restarts. Several hosts serving one site must share one key:
# set SECRET_KEY (or share VAR_DIR).
_secret_key = env_str("SECRET_KEY")
if _secret_key is None:
    _secret_key = _generated_secret_key(VAR_DIR / "secret_key")
elif len(_secret_key) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long")
SECRET_KEY: str = _secret_key

# The key-encryption key of the units' organisation certificates (signing/unit_seal.py): their
# private keys are stored encrypted under it and never leave the server. Unset: generated once
# into VAR_DIR/unit_key_secret (0600), like SECRET_KEY; several hosts must share it.
_unit_key_secret = env_str("UNIT_KEY_SECRET")
if _unit_key_secret is None:
    _unit_key_secret = _generated_secret_key(VAR_DIR / "unit_key_secret")
elif len(_unit_key_secret) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(f"UNIT_KEY_SECRET must be at least {SECRET_KEY_MIN_LENGTH} characters long")
UNIT_KEY_SECRET: str = _unit_key_secret

# Only the names this machine answers to locally unless told: a deployment names its site, and a
# request for any other host is refused (400), never served.
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", *(["testserver"] if TESTING else [])]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if urlparse(origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entry must start with http(s)://: {origin!r}")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "axes",
    "ninja",
    "django_prose_editor",  # the rich-text editor's static files (the minutes page)
    "huey.contrib.djhuey",  # the task queue (HUEY below)
    "oauth2_provider",  # client systems of the province's platforms (OAuth2 client credentials)
    "ecabinet",
    "meetings",
    "signing",
]

MIDDLEWARE = [
    # First and async only: a slowed sign-in waits in the event loop, before the sync middleware.
    "ecabinet.middleware.LoginSlowdownMiddleware",
    # Then at most REQUEST_SLOTS requests at once in the sync middleware and views below.
    "ecabinet.middleware.RequestSlotsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "ecabinet.middleware.PermissionsPolicyMiddleware",
    "ecabinet.staticfiles.StaticFilesMiddleware",  # WhiteNoise, hashed names cached a year
    "ecabinet.compression.PageCompressionMiddleware",  # gzip for HTML pages
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ecabinet.middleware.BadInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecabinet.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # API changes sent with an Idempotency-Key are applied once (ecabinet/idempotency.py).
    "ecabinet.idempotency.IdempotencyMiddleware",
    # Last, so it is the first to see an ActionError escaping a page view (ecabinet/refusals.py).
    "ecabinet.refusals.RefusalMiddleware",
]

ROOT_URLCONF = "ecabinet.urls"
ASGI_APPLICATION = "ecabinet.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ecabinet.context_processors.navigation",
                "ecabinet.help.context",  # the page's help topic, the first-time tour (issue 12)
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------

DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("OPTIONS", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "ecabinet.sqlite3"),
            "OPTIONS": {},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: every transaction takes the write lock at BEGIN, so two writers queue instead
    # of failing with "database is locked" when a read inside a transaction turns into a write.
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            # secure_delete: a deleted row is overwritten, not left in a free page (secret
            # ballots: see meetings.models.Poll).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if DATABASE_IS_POSTGRES:
    # Django's ASGI handler runs each request in a thread of its own, so a connection never
    # outlives its request: without a pool every request opened a PostgreSQL connection (about
    # 7 ms, and a server process forked), and a burst of requests could reach the server's limit.
    # Each worker process keeps at most DATABASE_POOL_SIZE connections, lent per request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1), "timeout": 20}

# How many requests of one server process work in Django at once (ecabinet.middleware
# RequestSlotsMiddleware); the others wait in the event loop. A few per core: more only queue for
# the interpreter's lock.
REQUEST_SLOTS = env_int("REQUEST_SLOTS", 4, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "ecabinet.User"

# --- Channels --------------------------------------------------------------------------

REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
if REDIS_URL:
    # The pub/sub layer sends in one PUBLISH per group message and was the fastest layer measured.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels ignore Redis database numbers; the prefix keeps installations
            # (and parallel test runs) sharing one Redis apart.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("REDIS_PREFIX", "ecabinet")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Counters that must hold across workers (per-user rate limits) live in the cache: Redis when
# there is one, else the process's memory (the embedded single-process default).
if REDIS_URL:
    CACHES: dict[str, dict[str, object]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_PREFIX", "ecabinet"),
        }
    }
else:
    # The process's memory holds what pages keep too (a meeting's rows and parts, each person's
    # menu counts): room for a province's audience, where the default 300 entries would evict
    # them all the time.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 20_000}}}

# --- Task queue ------------------------------------------------------------------------

# Huey runs reminders, scheduled housekeeping and webhook deliveries. Embedded by default: the
# queue is a SQLite file under VAR_DIR, worked by the consumer `make run` starts beside the
# server (nothing to install). With REDIS_URL the queue lives in Redis, so the workers of every
# machine share it. Tests run tasks at once, in the caller (immediate mode), unless a test starts
# a real consumer (TASK_QUEUE_IMMEDIATE=0 and its own TASK_QUEUE_FILE).
TASK_QUEUE_IMMEDIATE = env_bool("TASK_QUEUE_IMMEDIATE", TESTING)
HUEY = {
    "name": env_str("REDIS_PREFIX", "ecabinet") + "-tasks",
    "immediate": TASK_QUEUE_IMMEDIATE,
    "utc": True,
    "results": False,
    # flush_locks: a consumer killed while running a collector leaves its lock (ecabinet/tasks.py)
    # behind; the next consumer to start clears it, or that collector would never run again.
    "consumer": {"workers": env_int("TASK_QUEUE_WORKERS", 2, minimum=1), "worker_type": "thread",
                 "flush_locks": True},
}
if not TASK_QUEUE_IMMEDIATE:
    if REDIS_URL:
        HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
    else:
        HUEY |= {"huey_class": "huey.SqliteHuey",
                 "filename": str(Path(env_str("TASK_QUEUE_FILE") or VAR_DIR / "tasks.sqlite3"))}

# --- Authentication --------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with each person's rights kept between requests (ecabinet/rights_cache.py).
    "ecabinet.rights_cache.KeptRightsBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create many users; argon2 at full cost would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
# Lock an account after repeated failures from anywhere (and from one address), never an address
# as such: behind the reverse proxy one address is a whole office, and a stranger trying made-up
# names would lock everyone out. An address that keeps failing is slowed down instead
# (LOGIN_SLOWDOWN_*, ecabinet/loginguard.py).
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "ecabinet.clientip.client_ip"
# A locked-out person who tries again must not restart the wait the page told them about.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ecabinet.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Failures from one address (any account) within the cool-off before its logins are delayed;
# each further failure doubles the delay, up to the cap. Correct logins are delayed, not refused.
LOGIN_SLOWDOWN_FREE_FAILURES = env_int("LOGIN_SLOWDOWN_FREE_FAILURES", 10, minimum=1)
LOGIN_SLOWDOWN_MAX_SECONDS = env_int("LOGIN_SLOWDOWN_MAX_SECONDS", 3, minimum=0)

# The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks). Empty: the
# client address is the peer address, whatever the header says (ecabinet/clientip.py).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

API_TOKEN_LIFETIME_HOURS = env_int("API_TOKEN_LIFETIME_HOURS", 24 * 30, minimum=1)

# --- The province's platforms (issue 13 part 5; ecabinet/integration.py, ecabinet/webhooks.py) ---
# Client systems get tokens by OAuth2 client credentials only, at /o/token/ (no authorization or
# consent pages are mounted). Secrets are stored hashed (django-oauth-toolkit's default), and so
# are access tokens (RFC 9700 storage: only their checksum is kept).
OAUTH2_PROVIDER = {
    "SCOPES": {"meetings:read": "Đọc cuộc họp của các đơn vị được cấp / Read the meetings of the granted units"},
    "DEFAULT_SCOPES": ["meetings:read"],
    "OAUTH2_VALIDATOR_CLASS": "ecabinet.integration.ClientValidator",  # active client systems only
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("INTEGRATION_TOKEN_SECONDS", 3600, minimum=60),
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    # Only client credentials are used, but the library's other grants stay configured: hold
    # them to the OAuth 2.0 Security BCP (RFC 9700) so no default weaker than it is left on.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named by ecabinet.ClientSystem
# Calls per client system and minute on /api/integration/ (a counter in the cache).
INTEGRATION_CALLS_PER_MINUTE = env_int("INTEGRATION_CALLS_PER_MINUTE", 600, minimum=1)
# Outbound webhook requests: seconds to wait, bytes of an answer read, and whether addresses on
# private networks or the loopback may be called (tests run their receiver on 127.0.0.1).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024, minimum=1024)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", TESTING)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG or TESTING)

# --- Internationalisation --------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# Each app has its own catalog (<app>/locale); scripts/makemessages.py puts the app being
# extracted first so its top-level templates land in its own catalog. All three are listed so
# our words beat Django's and third-party catalogs (installed apps rank below LOCALE_PATHS);
# between our apps a word with two senses takes a message context (tests/ecabinet/test_translations.py).
_LOCALE_APP = env_str("ECABINET_LOCALE_APP", "ecabinet")
LOCALE_PATHS = [BASE_DIR / app / "locale"
                for app in dict.fromkeys([_LOCALE_APP, "ecabinet", "meetings", "signing"])]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
# The papers' font (Tinos, Times New Roman metrics) from npm (make install), for the HTML previews
STATICFILES_DIRS = [BASE_DIR / "static", ("fonts/tinos", BASE_DIR / "node_modules" / "@expo-google-fonts" / "tinos")]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# --- speed: static files (ecabinet/staticfiles.py) ---
# `make run` (DEBUG off) collects into STATIC_ROOT: hashed names (ES module imports rewritten),
# Brotli/gzip copies, a year's caching; WhiteNoise serves only what was collected. With DEBUG on
# and under the tests the source folders are served as they are (plain storage and the finders).
STATIC_COLLECTED = not (DEBUG or TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ecabinet.staticfiles.CompressedManifestStorage" if STATIC_COLLECTED
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# From node_modules folders only what a browser loads (no source maps, wrappers, previews).
STATICFILES_FINDERS = ["ecabinet.staticfiles.FileSystemFinder",
                       "django.contrib.staticfiles.finders.AppDirectoriesFinder"]
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
# Source maps are fetched only by a developer's tools: not worth compressing at every collect.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2",
                                       "tbz", "xz", "br", "woff", "woff2", "map"]
WHITENOISE_AUTOREFRESH = DEBUG
# --- end speed ---
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 200, minimum=1)
# --- a meeting's dossier for the archive (signing/dossier.py, fn107) ---
# The stored files one dossier may copy (bytes; larger meetings are refused with a message),
# and how much of a dossier is built in memory before it spills to a temporary file.
DOSSIER_MAX_BYTES = env_int("DOSSIER_MAX_BYTES", 4 * 1024**3, minimum=1)
DOSSIER_SPOOL_BYTES = 16 * 1024**2
# --- end dossier ---

# --- follow-up tasks ---
# Assignees of a conclusion's task are reminded this many working days before its deadline
# (then on the day, and once when it is overdue): meetings/followup_reminders.py.
TASK_REMINDER_WORKING_DAYS = env_int("TASK_REMINDER_WORKING_DAYS", 2, minimum=0)
# --- end follow-up tasks ---
# PDF.js for the document viewer (static/meetings/viewer.js), from npm (make install): the module
# build and its worker, the character maps and standard fonts that text in fonts a PDF does not
# embed needs (Vietnamese included), the JPEG 2000 decoder's fallback (wasm/), and the legacy build
# for browsers older than the modern one needs (iOS before 18.2).
PDFJS_DIR = BASE_DIR / "node_modules" / "pdfjs-dist"
STATICFILES_DIRS += [("pdfjs", PDFJS_DIR / "build"), ("pdfjs/legacy", PDFJS_DIR / "legacy" / "build"),
                     ("pdfjs/cmaps", PDFJS_DIR / "cmaps"), ("pdfjs/standard_fonts", PDFJS_DIR / "standard_fonts"),
                     ("pdfjs/wasm", PDFJS_DIR / "wasm")]
# The first-time tour of the home page (ecabinet/help.py): driver.js from npm (make install).
STATICFILES_DIRS += [("driverjs", BASE_DIR / "node_modules" / "driver.js" / "dist")]
# The PDF intake (ecabinet/intake.py) checks every uploaded PDF in a sandboxed child process.
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 5000, minimum=1)
PDF_MAX_STREAM_MB = env_int("PDF_MAX_STREAM_MB", 64, minimum=1)  # one inflated stream
PDF_MAX_INFLATED_MB = env_int("PDF_MAX_INFLATED_MB", 512, minimum=1)  # all page contents together
PDF_CHECK_SECONDS = env_int("PDF_CHECK_SECONDS", 20, minimum=1)
PDF_CHECK_MEMORY_MB = env_int("PDF_CHECK_MEMORY_MB", 1024, minimum=256)
# Office documents (.docx, .doc, .odt, .rtf, .xlsx, .pptx) are converted to PDF by LibreOffice
# headless in the same sandbox (ecabinet/office.py), then checked by the PDF intake.
OFFICE_SOFFICE = env_str("OFFICE_SOFFICE", "soffice")  # the program, found on PATH
OFFICE_CONVERT_SECONDS = env_int("OFFICE_CONVERT_SECONDS", 90, minimum=5)
OFFICE_CONVERT_MEMORY_MB = env_int("OFFICE_CONVERT_MEMORY_MB", 2048, minimum=1024)
# Every request body except the upload routes (ecabinet/bodylimit.py). The largest legitimate one
# is the minutes text (200,000 characters, url-encoded Vietnamese: up to ~1.8 MB).
MAX_FORM_BODY_KB = env_int("MAX_FORM_BODY_KB", 2048, minimum=64)
# Django's own bound on non-file data matches: a form or JSON body over it is refused too.
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_FORM_BODY_KB * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Mail ------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ecabinet@localhost")
# Seconds a mail server may take to answer (each step); an outbox row is held by its sender for
# ten times that, then offered to another worker (ecabinet/mail.py).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)


# --- help and feedback (issue 12) ---
def operator_email(value: str | None) -> str:
    """Where feedback from the users goes (tender fn134): one e-mail address, or unset (the system
    administrators are then notified in the app only)."""
    if value is None:
        return ""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        raise ImproperlyConfigured(f"OPERATOR_EMAIL must be one e-mail address, got {value!r}") from None
    return value


OPERATOR_EMAIL = operator_email(env_str("OPERATOR_EMAIL"))
# --- end help and feedback ---

# --- Signing ---------------------------------------------------------------------------

SIGNING_TSA_URL = env_url("SIGNING_TSA_URL", {"http", "https"})
SIGNING_PIN_MAX_ATTEMPTS = env_int("SIGNING_PIN_MAX_ATTEMPTS", 5, minimum=1)
# Calls one person may make to remote signing services per minute (registering, signing).
SIGNING_SERVICE_CALLS_PER_MINUTE = env_int("SIGNING_SERVICE_CALLS_PER_MINUTE", 20, minimum=1)
# Seconds to wait for a remote signing service's answer (each call).
SIGNING_SERVICE_TIMEOUT_SECONDS = env_int("SIGNING_SERVICE_TIMEOUT_SECONDS", 20, minimum=1)
# The PKCS#11 module (token/HSM driver) used when an administrator registers a token key without
# naming one. Loading a module runs its code, so only an absolute path to an existing file.
SIGNING_PKCS11_MODULE = env_str("SIGNING_PKCS11_MODULE")
if SIGNING_PKCS11_MODULE is not None and not (
    os.path.isabs(SIGNING_PKCS11_MODULE) and os.path.isfile(SIGNING_PKCS11_MODULE)
):
    raise ImproperlyConfigured(
        f"SIGNING_PKCS11_MODULE must be the absolute path of a PKCS#11 module file, got {SIGNING_PKCS11_MODULE!r}"
    )


def public_base_url(value: str | None) -> str:
    """The address the app is served on, for links in e-mails, calendars and papers.

    `make run`/`make dev` pass http://HOST:PORT when the variable is unset; a deployment behind a
    proxy sets it. Only a scheme, a host, an optional port and an optional path prefix: a query,
    a fragment or credentials would end up in every link.
    """
    if value is None:
        return "http://127.0.0.1:8000"
    parsed = urlparse(value.strip())
    try:
        port_ok = parsed.port is None or 0 < parsed.port < 65536
    except ValueError:
        port_ok = False
    if (parsed.scheme not in {"http", "https"} or not parsed.hostname or not port_ok or parsed.query
            or parsed.fragment or parsed.params or parsed.username or parsed.password
            or value.strip() != value or any(c.isspace() for c in value)):
        raise ImproperlyConfigured(
            "PUBLIC_BASE_URL must be an http(s) address like https://ecabinet.example.gov.vn "
            f"(host, optional port and path, nothing else), got {value!r}"
        )
    return value.rstrip("/")


PUBLIC_BASE_URL = public_base_url(env_str("PUBLIC_BASE_URL"))

# --- Web Push (ecabinet/push.py) ---------------------------------------------------------

# The VAPID key pair the server signs its pushes with (an EC P-256 private key in PEM). Unset: the
# file VAR_DIR/vapid_private.pem, generated once (0600, never overwritten) by `manage.py
# vapid_keys`, which `make run`/`make dev` run, or by the first load of these settings, so a fresh
# checkout and the tests work. Set: the file must exist. Replacing the key ends every device's
# subscription (browsers refuse pushes signed by another key), so several hosts share one file.
_vapid_file_setting = env_str("VAPID_PRIVATE_KEY_FILE")
VAPID_PRIVATE_KEY_FILE = Path(_vapid_file_setting) if _vapid_file_setting else VAR_DIR / "vapid_private.pem"


def _vapid_public_key(key_file: Path, *, generate: bool) -> str:
    """The public key (base64url of the uncompressed P-256 point, what pushManager.subscribe takes)
    of the private key in `key_file`, generated there once when `generate` and it is missing."""
    from ecabinet.vapid import VapidKeyError, ensure_private_key, public_key_b64

    try:
        if generate:
            ensure_private_key(key_file)
        return public_key_b64(key_file)
    except FileNotFoundError:
        raise ImproperlyConfigured(f"VAPID_PRIVATE_KEY_FILE names no file: {str(key_file)!r}") from None
    except VapidKeyError as exc:
        raise ImproperlyConfigured(f"VAPID_PRIVATE_KEY_FILE {str(key_file)!r}: {exc}") from None


VAPID_PUBLIC_KEY = _vapid_public_key(VAPID_PRIVATE_KEY_FILE, generate=_vapid_file_setting is None)


def vapid_subject(value: str | None, default: str) -> str:
    """Who runs this server, for push services to contact: a mailto: or https: URL."""
    subject = default if value is None else value
    parsed = urlparse(subject)
    valid = (parsed.scheme == "mailto" and "@" in parsed.path and not parsed.netloc) or (
        parsed.scheme == "https" and bool(parsed.hostname))
    if not valid or any(c.isspace() for c in subject):
        raise ImproperlyConfigured(
            f"VAPID_SUBJECT must be a mailto: address or an https: URL (mailto:admin@example.gov.vn), got {subject!r}"
        )
    return subject


VAPID_SUBJECT = vapid_subject(
    env_str("VAPID_SUBJECT"),
    PUBLIC_BASE_URL if PUBLIC_BASE_URL.startswith("https://") else f"mailto:{DEFAULT_FROM_EMAIL}",
)
# Push services a subscription may point at (host names; "*.example" for its subdomains; "*" any):
# the server POSTs to the endpoint a browser hands it, so it never posts anywhere else.
PUSH_SERVICE_HOSTS = env_list("PUSH_SERVICE_HOSTS", [
    "fcm.googleapis.com", "*.push.services.mozilla.com", "*.notify.windows.com", "*.push.apple.com",
])
for _pattern in PUSH_SERVICE_HOSTS:
    if not re.fullmatch(r"\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", _pattern):
        raise ImproperlyConfigured(
            f"PUSH_SERVICE_HOSTS must list host names (fcm.googleapis.com, *.push.apple.com or *), got {_pattern!r}"
        )
# Plain-http endpoints on the loopback interface (the tests' own push service); never in production.
PUSH_ALLOW_INSECURE_ENDPOINTS = env_bool("PUSH_ALLOW_INSECURE_ENDPOINTS", DEBUG or TESTING)
# Threads that post pushes after commit (0: post in the committing request's on_commit callback).
PUSH_WORKERS = env_int("PUSH_WORKERS", 0 if TESTING else 2)
PUSH_TIMEOUT_SECONDS = env_int("PUSH_TIMEOUT_SECONDS", 5, minimum=1)
# A device whose push service failed this many times in a row (not 404/410: those at once) is dropped.
PUSH_MAX_FAILURES = env_int("PUSH_MAX_FAILURES", 10, minimum=1)
PUSH_MAX_SUBSCRIPTIONS_PER_USER = env_int("PUSH_MAX_SUBSCRIPTIONS_PER_USER", 20, minimum=1)

# --- Security --------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
# Sessions are read from the cache (written through to the database, which stays the record):
# every request reads its session, and the database read was a fixed cost of every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Served only over HTTPS (a TLS-terminating proxy in front): secure cookies, redirect to https,
# HSTS. `make run` serves plain HTTP on this machine and turns it off (HTTPS_ONLY=0).
HTTPS_ONLY = env_bool("HTTPS_ONLY", not (DEBUG or TESTING))
if HTTPS_ONLY:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp). Scripts only from this site's static files (every
# <script> also carries the per-response nonce; no inline script, no event handler attributes,
# no 'unsafe-inline' or eval); styles only from stylesheets. Pages may not be framed, except the
# document viewer by its own page (meetings.views.documents.document_view). When the room embeds
# a video conference, add its origin to frame-src (and see PERMISSIONS_POLICY).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],  # fetch to /api/ and the live websocket, same origin
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
    },
}
# Permissions-Policy on every response (ecabinet.middleware.PermissionsPolicyMiddleware): the
# product uses none of these browser features. A conference embedded in the room later needs
# camera, microphone and display-capture for its origin, e.g. camera=(self "https://hop...").
PERMISSIONS_POLICY = {
    "accelerometer": [], "ambient-light-sensor": [], "autoplay": [], "bluetooth": [], "camera": [],
    "display-capture": [], "geolocation": [], "gyroscope": [], "hid": [], "magnetometer": [],
    "microphone": [], "midi": [], "payment": [], "publickey-credentials-get": [], "serial": [],
    "usb": [], "xr-spatial-tracking": [], "fullscreen": ["self"], "browsing-topics": [],
}

# --- The room's video conference (issue 11) ------------------------------------------------
# A self-hosted Jitsi Meet (https://meet.example.gov.vn, or empty: none). When set, the room
# embeds the conference for those who checked in remotely (meetings/conference.py), and the CSP
# and Permissions-Policy above let that origin's script, frame, camera and microphone in.


def jitsi_url(value: str | None) -> str:
    if not value:
        return ""
    parsed = urlparse(value.strip())
    try:
        port_ok = parsed.port is None or 0 < parsed.port < 65536
    except ValueError:
        port_ok = False
    if (parsed.scheme != "https" or not parsed.hostname or not port_ok or parsed.query or parsed.fragment
            or parsed.params or parsed.username or parsed.password or parsed.path.strip("/")
            or value.strip() != value or any(c.isspace() for c in value)):
        raise ImproperlyConfigured(
            f"JITSI_URL must be the https address of a Jitsi Meet server like https://meet.example.gov.vn "
            f"(host and optional port, nothing else) or empty, got {value!r}"
        )
    return value.rstrip("/")


JITSI_URL = jitsi_url(env_str("JITSI_URL"))
if JITSI_URL:
    for _directive in ("script-src", "frame-src"):
        _sources = CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive]
        assert isinstance(_sources, list)
        _sources.append(JITSI_URL)
    for _feature in ("camera", "microphone", "display-capture", "fullscreen"):
        PERMISSIONS_POLICY[_feature] = ["self", JITSI_URL]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
