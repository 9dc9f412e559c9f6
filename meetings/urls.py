from django.urls import path

from meetings.views import (
    absence,
    documents,
    followup,
    hall,
    preparation,
    room,
    search,
    statistics,
    votes,
)
from meetings.views.home import home

# The home page is the signed-in person's meetings; it lives here so the core names no app.
urlpatterns = [
    path("", home, name="home"), *preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns,
    *votes.urlpatterns, *followup.urlpatterns, *hall.urlpatterns, *statistics.urlpatterns, *absence.urlpatterns,
    *search.urlpatterns,
]
