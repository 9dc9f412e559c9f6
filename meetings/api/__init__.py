"""The meetings part of /api/v1/, one router per topic."""

from ninja import Router

from meetings.api import (
    absence,
    documents,
    followup,
    hall,
    offline,
    preparation,
    room,
    search,
    statistics,
    votes,
)

router = Router()
router.add_router("", preparation.router)
router.add_router("", documents.router)
router.add_router("", room.router)
router.add_router("", offline.router)
router.add_router("", followup.router)
router.add_router("", hall.router)
router.add_router("", votes.router)
router.add_router("", statistics.router)
router.add_router("", absence.router)
router.add_router("", search.router)
