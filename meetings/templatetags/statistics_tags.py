"""A report table's cells as the page shows them (the same formatting as the PDF export)."""

from __future__ import annotations

from typing import Any

from django import template

from meetings.statistics.exports import display
from meetings.statistics.reports import Column

register = template.Library()


@register.filter
def cells(row: list[Any], columns: list[Column]) -> list[dict[str, str]]:
    return [{"kind": column.kind, "text": display(value, column.kind)} for value, column in zip(row, columns,
                                                                                                  strict=True)]
