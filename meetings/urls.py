from meetings.views import documents, preparation, room

urlpatterns = [*preparation.urlpatterns, *documents.urlpatterns, *room.urlpatterns]
