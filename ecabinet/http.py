"""Request types for views: a page behind `login_required` always has a real user."""

from __future__ import annotations

from django.http import HttpRequest

from ecabinet.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An `HttpRequest` whose user is signed in (views behind `login_required`, API endpoints
    behind session or token auth). Only for type checking: Django builds the request."""

    user: User
