"""Python's garbage collector set for a server (ecabinet/asgi.py) and for the test processes.

Python collects its youngest objects every 700 allocations; a page allocates some 100,000, so the
collector ran over a hundred times a page and was 10-40% of a warm page's CPU (measured: the
meeting API 14.7 ms a view, 8.8 ms with these settings). Cycles are still collected, every 50,000
allocations.
"""

from __future__ import annotations

import gc

COLLECTOR_THRESHOLDS = (50_000, 50, 100)


def collect_less_often() -> None:
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def leave_out_what_lives_on() -> None:
    """Everything allocated so far (modules, settings, the URL and app machinery) lives as long as
    the process: the collector stops scanning it."""
    gc.freeze()
