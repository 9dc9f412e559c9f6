from django.urls import path

from meetings.views import absence, documents, preparation, room
from meetings.views.home import home

# The home page is the signed-in person's meetings; it lives here so the core names no app.
urlpatterns = [path("", home, name="home"), *preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns,
               *absence.urlpatterns]  # --- absence requests (fn113)
