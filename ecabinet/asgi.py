"""ASGI entry: HTTP goes to Django through the body bound, websockets through the origin check and
session/token auth."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")

# Python collects its youngest objects every 700 allocations; a page allocates some 100,000, so
# the collector ran over a hundred times a page and was 10-40% of a warm page's CPU (measured:
# the meeting API 14.7 ms a view, 8.8 ms with these). Cycles are still collected, every 50,000
# allocations; what the server set up at start lives as long as it and is left out (freeze).
COLLECTOR_THRESHOLDS = (50_000, 50, 100)
gc.set_threshold(*COLLECTOR_THRESHOLDS)

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from ecabinet.auth import WebsocketAuthStack  # noqa: E402
from ecabinet.bodylimit import BodyLimitMiddleware  # noqa: E402
from ecabinet.routing import websocket_urlpatterns  # noqa: E402
from ecabinet.websocket_origin import SameOriginValidator  # noqa: E402

gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": SameOriginValidator(WebsocketAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
