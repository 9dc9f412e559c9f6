from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcabinetConfig(AppConfig):
    name = "ecabinet"
    verbose_name = _("eCabinet: units and people")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ecabinet import (
            loginlog,  # noqa: F401  (the login log's retention: a scheduled collector)
            mail,  # noqa: F401  (the outbox's sending tasks, registered with the task queue)
            rights_cache,  # noqa: F401  (forgets kept rights whenever roles change, in every process)
            signals,  # noqa: F401  (connects the login log)
            webhooks,  # noqa: F401  (its delivery tasks, registered with the task queue)
        )
