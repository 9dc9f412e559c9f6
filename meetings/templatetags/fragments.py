"""Parts of a page rendered once and cached for every viewer who would see the same HTML
(Django's `{% cache %}`, keyed by meetings/selectors.py page_fragment_keys).

A cached part may hold forms, but not anyone's CSRF token: inside it `{% csrf_slot %}` writes a
placeholder, and the `with_csrf` filter around the cached part puts this request's token in its
place (one string replacement instead of rendering the part again).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# No page text contains it: it only ever stands in a cached form's hidden token field.
CSRF_SLOT = "csrf-slot-5f0c2b9e"


@register.simple_tag
def csrf_slot() -> SafeString:
    return mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_SLOT}">')  # noqa: S308 - a constant


@register.filter(is_safe=True)
def with_csrf(html: Any, token: Any) -> SafeString:
    """`html` with this request's CSRF token (the context's `csrf_token`) in every slot."""
    return mark_safe(str(html).replace(CSRF_SLOT, str(token)))  # noqa: S308 - the token is URL-safe text
