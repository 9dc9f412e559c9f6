"""Pages gzip-compressed for a browser that accepts it: on a phone's slow line a meeting page of
20 KB arrives in 4. Only whole (non-streaming) HTML answers: files (PDF deliveries, whose viewer
asks for byte ranges; static files, precompressed by ecabinet/staticfiles.py) go as they are, and
so do the API's JSON answers (small; the big one, the room's snapshot, goes over the socket with
permessage-deflate), which some API tools ask for gzip without decoding it (schemathesis's WSGI
transport).

Django's GZipMiddleware pads every compressed answer with random bytes (its BREACH
mitigation), and CSRF tokens in pages are masked per answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = ("text/html",)


class PageCompressionMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.streaming or not response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
