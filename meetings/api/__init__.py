"""The meetings part of /api/v1/, one router per topic."""

from ninja import Router

from meetings.api import documents, offline, preparation, room

router = Router()
router.add_router("", preparation.router)
router.add_router("", documents.router)
router.add_router("", room.router)
router.add_router("", offline.router)

# --- statistics (issue 12 part 5) ---
from meetings.api import statistics  # noqa: E402

router.add_router("", statistics.router)
# --- end statistics ---
