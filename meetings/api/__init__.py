"""The meetings part of /api/v1/, one router per topic."""

from ninja import Router

from meetings.api import documents, offline, preparation, room
from meetings.api import votes as votes_api  # --- votes prepared and run ---

router = Router()
router.add_router("", preparation.router)
router.add_router("", documents.router)
router.add_router("", room.router)
router.add_router("", offline.router)
router.add_router("", votes_api.router)  # --- votes prepared and run ---
