from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

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
