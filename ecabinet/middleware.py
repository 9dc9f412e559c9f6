from __future__ import annotations

import asyncio
import functools
import weakref

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from ecabinet.clientip import client_ip
from ecabinet.loginguard import address_failures, slowdown_seconds

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY ({feature: allowlist}) as the Permissions-Policy header
    on every response: [] switches the feature off, "self" allows this site only."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(_allowlist_item(v) for v in allowlist)})"
            for feature, allowlist in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


def _allowlist_item(value: str) -> str:
    return value if value in ("self", "*") else f'"{value}"'


class LanguageMiddleware:
    """Vietnamese first. Order: the language chosen with the switcher (cookie), then the
    signed-in user's preference, then — for API clients only — Accept-Language, then Vietnamese.

    Pages ignore the browser's Accept-Language on purpose: an official's English-language
    browser must not turn the committee's system into English unasked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response

    def _choose(self, request) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in SUPPORTED:
            return chosen
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language in SUPPORTED:
            return user.preferred_language
        if request.path.startswith("/api/"):
            accepted = translation.get_language_from_request(request)
            if accepted in SUPPORTED:
                return accepted
        return settings.LANGUAGE_CODE


class LoginSlowdownMiddleware:
    """Delay sign-in attempts from an address that keeps failing (see ecabinet/loginguard.py).

    Async only, first in the chain: under the ASGI server the wait is an asyncio sleep in the event
    loop, before the request enters Django's sync middleware; other requests go on meanwhile.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        markcoroutinefunction(self)

    @staticmethod
    def delay_for(request) -> float:
        if request.method != "POST" or request.path not in login_paths():
            return 0.0
        return slowdown_seconds(address_failures(client_ip(request)))

    async def __call__(self, request):
        delay = await sync_to_async(self.delay_for)(request)
        if delay:
            await asyncio.sleep(delay)
        return await self.get_response(request)


class RequestSlotsMiddleware:
    """At most REQUEST_SLOTS requests inside Django's sync code at once; the others wait their
    turn in the event loop.

    Django gives every request a thread of its own for its sync part. Dozens of them rendering
    pages at once on a 2-core machine do not go faster: they queue for the interpreter's lock and
    for the locks of Django's per-request state (the active language, the URL prefix), and the
    queue lengthened a page from 90 ms to 9 s under the committee's load (bench/load.py). A slot
    is held only while the view and the middleware work: a response's body, streamed files
    included, is sent after it is given back, and a request's body is read before it is taken.
    Async only, after the sign-in slowdown (a delayed sign-in holds no slot)."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        # One semaphore per event loop: a semaphore waited on in one loop cannot be in another.
        self.slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())
        markcoroutinefunction(self)

    async def __call__(self, request):
        loop = asyncio.get_running_loop()
        slots = self.slots.get(loop)
        if slots is None:
            slots = self.slots[loop] = asyncio.Semaphore(settings.REQUEST_SLOTS)
        async with slots:
            return await self.get_response(request)


@functools.cache
def login_paths() -> frozenset[str]:
    """Every URL that takes a password for a login (the axes backend guards them all)."""
    return frozenset({reverse("login"), reverse("admin:login"), reverse("api:issue_token")})


class BadInputMiddleware:
    """Input no page can use is a 400 before any view runs: a POST body Django cannot parse
    (multipart without a boundary, a broken part) and NUL characters in the query or form
    (PostgreSQL text cannot hold them).

    Django raises MultiPartParserError from `request.POST`, and on pages the CSRF check is the
    first to read it, outside any view, which would make it a 500. This runs just before the
    CSRF check and reads the body first (the check would read it anyway). API views are
    CSRF-exempt in Django's eyes: the API parses its own input and answers the envelope
    (ecabinet/api.py), so for them only the query string is checked here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.http.multipartparser import MultiPartParserError

        from ecabinet.error_pages import bad_request
        from ecabinet.inputs import find_nul

        try:
            if find_nul(request.GET) is not None:
                return bad_request(request, None)
            if request.method == "POST" and not getattr(view_func, "csrf_exempt", False):
                if find_nul(request.POST) is not None:
                    return bad_request(request, None)
        except MultiPartParserError as exc:
            return bad_request(request, exc)
        return None
