"""`{% todo_counts as todo %}`: the menu's to-do counts (`todo.total`, `todo.tasks`, …), one query
per page, shared with the home page of the same request (meetings/selectors_todo.py)."""

from __future__ import annotations

from django import template

from meetings.selectors_todo import request_todo_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def todo_counts(context: template.Context) -> dict[str, int]:
    request = context.get("request")
    if request is None or not getattr(getattr(request, "user", None), "is_authenticated", False):
        return {"total": 0}
    return request_todo_counts(request)
