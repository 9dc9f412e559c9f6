"""A browser page's script errors, for every browser test: an uncaught exception or
rejected promise ("pageerror") or a console error fails the test.

The browser's own network lines are not script errors and are left out: "Failed to load
resource: ... 409" (a refusal the page catches and shows still logs one; a missing favicon) and
"WebSocket connection to ... failed" (a reconnect attempt while the device is offline)."""

from __future__ import annotations

from typing import Any


class Watch:
    def __init__(self, page: Any):
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self.console)

    def console(self, message: Any) -> None:
        text = message.text
        if message.type != "error" or text.startswith("Failed to load resource") or (
                text.startswith("WebSocket connection to ") and " failed" in text):
            return
        self.errors.append(f"console: {text}")


def script_errors(watches: list[Watch]) -> list[str]:
    return [error for watch in watches for error in watch.errors]
