from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from meetings import (
            deadlines,  # noqa: F401  (registers the documents-due reminders)
            followup_reminders,  # noqa: F401  (registers the task-due reminders)
            meeting_reminders,  # noqa: F401  (registers the meeting reminders, fn126)
            opinion_reminders,  # noqa: F401  (registers the opinion-due reminders)
        )
        from meetings.search import signals

        signals.connect()  # the search index follows every save and delete
