"""The installable app: the web app manifest, the favicon, the service worker at /sw.js, the page
shown when a page is not available offline, and a sign-out that empties the browser's caches.

The service worker (static/ecabinet/sw.js) keeps, per user, what `GET /api/v1/me/offline-pack`
lists (meetings/api/offline.py); see its header for the rules."""

from __future__ import annotations

import json

from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#a3161a"
BACKGROUND_COLOUR = "#f6f5f2"
# The service worker loads the push handler (written by the push part); the URL is rewritten to
# the static file's served name.
PUSH_SCRIPT = "/static/ecabinet/sw-push.js"


def _static_file(name: str) -> bytes:
    path = finders.find(name)
    if not path:
        raise Http404
    with open(path if isinstance(path, str) else path[0], "rb") as handle:
        return handle.read()


@require_GET
@cache_control(max_age=86400)
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "id": "/",
        "name": _("eCabinet — paperless meetings"),
        "short_name": "eCabinet",
        "description": _("Paperless meetings and digital signatures"),
        "lang": getattr(request, "LANGUAGE_CODE", "vi"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("ecabinet/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("ecabinet/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("ecabinet/icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": static("ecabinet/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")


@require_GET
@cache_control(max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_static_file("ecabinet/icons/favicon.ico"), content_type="image/x-icon")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/ecabinet/sw.js at the site's root, so its scope is the whole site; never cached by
    the browser's HTTP cache, so a new version is picked up at the next visit."""
    source = _static_file("ecabinet/sw.js").decode()
    source = source.replace(f'"{PUSH_SCRIPT}"', json.dumps(static("ecabinet/sw-push.js")))
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache, max-age=0"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it does not keep: the same for everyone (it is
    cached once for all users), so it names nobody."""
    return render(request, "ecabinet/offline.html", {})


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, telling the browser to drop this site's caches and storage (the
    service worker's copies of meetings and documents, the offline queue): nothing of one person
    is left for the next one on the same device."""

    def post(self, request, *args, **kwargs):  # noqa: ANN001, ANN201 - Django's signature
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
