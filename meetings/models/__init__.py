"""Meetings data. Split by topic; every model is importable from `meetings.models`."""

from meetings.models.core import *  # noqa: F403
from meetings.models.documents import *  # noqa: F403
from meetings.models.followup import *  # noqa: F403
from meetings.models.hall import *  # noqa: F403  (hall screen)
from meetings.models.preparation import *  # noqa: F403
from meetings.models.room import *  # noqa: F403
from meetings.models.search import *  # noqa: F403  (the search index)
