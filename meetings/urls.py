from django.urls import path

from meetings.views import absence, documents, followup, preparation, room
from meetings.views.home import home

# The home page is the signed-in person's meetings; it lives here so the core names no app.
urlpatterns = [path("", home, name="home"), *preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns]
urlpatterns += followup.urlpatterns  # follow-up tasks

# --- hall screen ---
from meetings.views import hall as hall_views  # noqa: E402

urlpatterns += hall_views.urlpatterns
# --- end hall screen ---
urlpatterns += absence.urlpatterns  # --- absence requests (fn113)
