"""The meetings part of /api/v1/, one router per topic."""

from ninja import Router

from meetings.api import absence, documents, followup, offline, preparation, room

router = Router()
router.add_router("", preparation.router)
router.add_router("", documents.router)
router.add_router("", room.router)
router.add_router("", offline.router)
router.add_router("", followup.router)  # follow-up tasks

# --- hall screen ---
from meetings.api import hall  # noqa: E402

router.add_router("", hall.router)
# --- end hall screen ---
router.add_router("", absence.router)  # --- absence requests (fn113)
