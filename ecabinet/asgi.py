"""ASGI entry: HTTP goes to Django through the body bound, websockets through the origin check and
session/token auth."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")

from ecabinet.collector import collect_less_often, leave_out_what_lives_on  # noqa: E402

collect_less_often()

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from ecabinet.auth import WebsocketAuthStack  # noqa: E402
from ecabinet.bodylimit import BodyLimitMiddleware  # noqa: E402
from ecabinet.routing import websocket_urlpatterns  # noqa: E402
from ecabinet.websocket_origin import SameOriginValidator  # noqa: E402

leave_out_what_lives_on()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": SameOriginValidator(WebsocketAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
