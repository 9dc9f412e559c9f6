from django.urls import path

from meetings.views import documents, preparation, room
from meetings.views.home import home
from meetings.views.votes import urlpatterns as votes_urls  # --- votes prepared and run ---

# The home page is the signed-in person's meetings; it lives here so the core names no app.
urlpatterns = [path("", home, name="home"), *preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns,
               *votes_urls]  # --- votes prepared and run ---
