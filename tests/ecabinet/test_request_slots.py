"""At most REQUEST_SLOTS requests work in Django at once (ecabinet.middleware
RequestSlotsMiddleware): the others wait in the event loop and are all answered, in the real
ASGI application as in the middleware alone."""

from __future__ import annotations

import asyncio
import json

from asgiref.testing import ApplicationCommunicator
from django.test import SimpleTestCase, override_settings

from ecabinet.middleware import RequestSlotsMiddleware


class Gauge:
    """A stand-in for the rest of the chain that records how many requests were inside at once."""

    def __init__(self) -> None:
        self.inside = self.most = self.answered = 0

    async def __call__(self, request):
        self.inside += 1
        self.most = max(self.most, self.inside)
        await asyncio.sleep(0.01)
        self.inside -= 1
        self.answered += 1
        return request


class RequestSlotsTests(SimpleTestCase):
    @override_settings(REQUEST_SLOTS=3)
    def test_no_more_than_the_slots_at_once_and_every_request_answered(self):
        gauge = Gauge()
        middleware = RequestSlotsMiddleware(gauge)

        async def burst():
            return await asyncio.gather(*(middleware(n) for n in range(12)))

        self.assertEqual(asyncio.run(burst()), list(range(12)))
        self.assertEqual((gauge.most, gauge.answered, gauge.inside), (3, 12, 0))
        # another event loop (another server thread, a test's loop) gets slots of its own
        gauge.most = 0
        self.assertEqual(asyncio.run(burst()), list(range(12)))
        self.assertEqual(gauge.most, 3)

    @override_settings(REQUEST_SLOTS=1)
    def test_a_refused_request_gives_its_slot_back(self):
        async def refuse(request):
            raise ValueError(request)

        middleware = RequestSlotsMiddleware(refuse)

        async def twice():
            for n in range(2):
                with self.assertRaises(ValueError):
                    await asyncio.wait_for(middleware(n), timeout=5)

        asyncio.run(twice())


class RealApplicationTests(SimpleTestCase):
    """Twelve requests at once through ecabinet.asgi with two slots: every one answered (no
    slot kept after its answer, no semaphore bound to another event loop)."""

    databases = {"default"}

    @override_settings(REQUEST_SLOTS=2)
    def test_a_burst_through_the_asgi_application(self):
        from ecabinet.asgi import application

        async def ask(n: int) -> tuple[int, dict]:
            scope = {"type": "http", "method": "GET", "path": "/api/v1/me", "raw_path": b"/api/v1/me",
                     "query_string": f"n={n}".encode(), "headers": [(b"host", b"testserver")],
                     "scheme": "http", "server": ("testserver", 80), "client": ("127.0.0.1", 40000 + n),
                     "http_version": "1.1", "root_path": ""}
            talk = ApplicationCommunicator(application, scope)
            await talk.send_input({"type": "http.request", "body": b"", "more_body": False})
            start = await talk.receive_output(timeout=30)
            body = b""
            while True:
                part = await talk.receive_output(timeout=30)
                body += part.get("body", b"")
                if not part.get("more_body"):
                    break
            await talk.wait(timeout=5)
            return start["status"], json.loads(body)

        async def burst():
            return await asyncio.gather(*(ask(n) for n in range(12)))

        answers = asyncio.run(burst())
        self.assertEqual([status for status, _ in answers], [401] * 12)  # nobody signed in
        self.assertEqual(len({json.dumps(body, sort_keys=True) for _, body in answers}), 1, answers[0])
