"""Help inside the system (tender fn4, fn134): the user guide's topics, what a person reads, the
"Help" link of every page, the first-time tour of the home page, and the one delivery path of the
guide's files and feedback attachments.

A topic is a key naming a part of the app (`meetings`, `room`, `signing`…); `topic_for` maps the
current page's URL name to it without a query, so the header's link costs nothing: the page
/help/topic/<key>/ finds the guide's page for the viewer's roles when it is opened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecabinet.access import help_audiences, may_edit_help
from ecabinet.models import HelpFile, HelpPage, TourSeen, User

# topic key -> what people read (the editor's choice list and the index's headings)
TOPICS: dict[str, Any] = {
    "general": gettext_lazy("Getting started"),
    "home": pgettext_lazy("help topic", "Home page"),
    "meetings": pgettext_lazy("help topic", "Meetings and their preparation"),
    "documents": pgettext_lazy("help topic", "Meeting documents"),
    "room": pgettext_lazy("help topic", "The meeting room: attendance, speaking, voting"),
    "opinions": pgettext_lazy("help topic", "Written opinions"),
    "signing": pgettext_lazy("help topic", "Digital signatures"),
    "minutes": pgettext_lazy("help topic", "Minutes and conclusion notices"),
    "followup": pgettext_lazy("help topic", "Follow-up of conclusions"),
    "statistics": pgettext_lazy("help topic", "Statistics and reports"),
    "notifications": pgettext_lazy("help topic", "Notifications"),
    "account": pgettext_lazy("help topic", "Your account"),
    "administration": pgettext_lazy("help topic", "Administration"),
}

# URL names (exact) whose topic is not found by their prefix below
_EXACT = {
    "home": "home", "my_notes": "documents", "document_types": "administration",
    "notifications": "notifications", "push_preferences": "notifications",
    "reminder_preferences": "notifications",
    "password_change": "account", "api_tokens": "account", "api_token_revoke": "account",
    "signing_minutes": "minutes", "signing_minutes_preview": "minutes", "signing_minutes_action": "minutes",
    "signing_notice": "minutes", "signing_notice_preview": "minutes", "signing_notice_pdf": "minutes",
    "signing_notice_action": "minutes", "signing_units": "administration", "signing_unit_seal": "administration",
    "signing_unit_action": "administration", "meeting_documents": "documents",
    "login_log": "administration", "login_log_csv": "administration", "feedback_list": "general",
}
# URL name prefixes, the longest first (the other parts of issue 12 name theirs this way)
_PREFIXES = (
    ("meeting_room", "room"), ("meeting_speech", "room"), ("meeting_attendance", "room"),
    ("meeting_conclusion", "room"), ("hall", "room"), ("poll", "room"), ("vote", "room"),
    ("followup", "followup"), ("task", "followup"), ("statistic", "statistics"), ("stats", "statistics"),
    ("report", "statistics"), ("opinion", "opinions"), ("signing", "signing"), ("document", "documents"),
    ("meeting", "meetings"), ("feedback", "general"), ("help", "general"),
)

# the order in which a topic's pages are offered: the most specific audience first
AUDIENCE_ORDER = ("system_admin", "leader", "organiser", "member", "everyone")


def topic_for(url_name: str | None) -> str:
    """The help topic of a page, from its URL name; `general` when nothing fits."""
    if not url_name:
        return "general"
    if url_name in _EXACT:
        return _EXACT[url_name]
    for prefix, topic in _PREFIXES:
        if url_name.startswith(prefix):
            return topic
    return "general"


def topic_label(key: str) -> str:
    return str(TOPICS.get(key, TOPICS["general"]))


def pages_for(user: User) -> QuerySet[HelpPage]:
    """The guide's pages `user` reads: published pages of their audiences; its editors also see
    drafts."""
    if may_edit_help(user):
        return HelpPage.objects.all()
    return HelpPage.objects.filter(published=True, audience__in=help_audiences(user))


def ordered_by_audience(pages: Iterable[HelpPage]) -> list[HelpPage]:
    rank = {code: i for i, code in enumerate(AUDIENCE_ORDER)}
    return sorted(pages, key=lambda p: (rank.get(p.audience, 99), p.position, p.title, p.pk))


def video_links(values: Iterable[str]) -> list[dict[str, str]]:
    """Stored video links ("title|https://…" or a bare https URL) as {title, url}."""
    links = []
    for value in values:
        title, _sep, url = value.rpartition("|") if "|" in value else ("", "", value)
        links.append({"title": title.strip() or (urlsplit(url).hostname or url), "url": url.strip()})
    return links


# --- the "Help" link of every page and the first-time tour ----------------------------------------

TOUR_SESSION_KEY = "help_tour_offer"


def context(request: HttpRequest) -> dict:
    """Template context of every page: the help topic of the page (no query), and on the home
    page whether to start the first-time tour (one query, only in a session that has just signed
    in through the login form, or when the person asked to see the tour again with ?tour=1)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None else None
    result: dict[str, Any] = {"help_topic": topic_for(url_name)}
    if url_name == "home":
        again = request.GET.get("tour") == "1"
        offered = bool(request.session.get(TOUR_SESSION_KEY)) and not TourSeen.objects.filter(user=user).exists()
        if again or offered:
            result["help_tour"] = tour_steps()
    return result


def tour_steps() -> list[dict[str, str]]:
    """The tour's steps, in the person's language; `element` is a CSS selector on the home page
    (a step whose element is hidden, the folded menu on a phone, points at the menu button)."""
    return [
        {"element": "", "title": _("Welcome to eCabinet"),
         "description": _("A short tour of your home page: where your meetings, notifications and help are. "
                          "You can skip it at any time.")},
        {"element": ".mainnav", "title": _("The menu"),
         "description": _("Meetings, documents, written opinions and signatures are reached from here. On a "
                          "phone the menu opens with the button at the top.")},
        {"element": "main.content h1 + section.card", "title": _("Your meetings"),
         "description": _("Your meetings of today and the next ones. Open one to read its agenda and "
                          "documents, confirm your attendance or enter the meeting room.")},
        {"element": ".mainnav a[href$='/notifications/']", "title": _("Notifications"),
         "description": _("Invitations, documents to read or sign and reminders arrive here; the number "
                          "shows how many are unread.")},
        {"element": "[data-tour=help]", "title": _("Help"),
         "description": _("Every page has its help here: the user guide for your role, and a form to send "
                          "a question or a problem to the operator. You can see this tour again from the "
                          "help pages.")},
    ]


# --- files: the guide's images and PDFs, feedback attachments ------------------------------------

DELIVERY_HEADER = "X-Ecabinet-Delivery"  # the same header as meetings/delivery.py


def file_response(data: bytes, *, content_type: str, filename: str, inline: bool, pdf: bool) -> HttpResponse:
    """The response carrying a stored help or feedback file: not cached, not sniffed; a PDF is
    marked as the original stored bytes, as every PDF the project sends is (meetings/delivery.py)."""
    response = HttpResponse(data, content_type=content_type)
    disposition = content_disposition_header(not inline, filename)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    if pdf:
        response[DELIVERY_HEADER] = "original"
    return response


def checked_bytes(row: HelpFile) -> bytes:
    data = bytes(row.data)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        from ecabinet.errors import ConflictError

        raise ConflictError("file_damaged", _("The stored file is damaged. Ask the administrator to upload it again."))
    return data
