from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from meetings.access import register_record_closed_check
        from signing import reminders  # noqa: F401 - registers the notice-due collector
        from signing.access import minutes_frozen

        register_record_closed_check(minutes_frozen)

        from meetings import papers
        from signing.actions.invitations import invitation_attachments, issue_for_meeting

        papers.register_issuer(issue_for_meeting)
        papers.register_attachments(invitation_attachments)

        from signing.todo import register_todo

        register_todo()  # the home page's and the menu's documents to sign
