"""`{% open_task_count %}`: the nav's count of my open follow-up tasks (one query)."""

from __future__ import annotations

from django import template

from meetings.selectors_followup import open_task_count

register = template.Library()


@register.simple_tag(takes_context=True)
def open_task_count_of_user(context: template.Context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return open_task_count(user) if user is not None else 0
