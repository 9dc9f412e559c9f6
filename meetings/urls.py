from django.urls import path

from meetings.views import documents, preparation, room
from meetings.views.home import home

# The home page is the signed-in person's meetings; it lives here so the core names no app.
urlpatterns = [path("", home, name="home"), *preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns]

# --- statistics (issue 12 part 5) ---
from meetings.views import statistics as statistics_views  # noqa: E402

urlpatterns += statistics_views.urlpatterns
# --- end statistics ---
