from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from signing import reminders  # noqa: F401 - registers the notice-due collector
