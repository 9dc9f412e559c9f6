"""Pages of the meetings app, split by topic; each module exports `urlpatterns`."""
