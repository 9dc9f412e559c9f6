"""Routes of the administrator's pages for the province's platforms (issue 13 part 5)."""

from django.urls import path

from ecabinet import views_integration as views

urlpatterns = [
    path("integration/", views.integration_index, name="integration_index"),
    path("integration/clients/", views.integration_client_create, name="integration_client_create"),
    path("integration/clients/<int:client_id>/", views.integration_client, name="integration_client"),
    path("integration/clients/<int:client_id>/active/", views.integration_client_active,
         name="integration_client_active"),
    path("integration/clients/<int:client_id>/rotate/", views.integration_client_rotate,
         name="integration_client_rotate"),
    path("integration/webhooks/", views.integration_webhook_create, name="integration_webhook_create"),
    path("integration/webhooks/<int:endpoint_id>/", views.integration_webhook, name="integration_webhook"),
    path("integration/webhooks/<int:endpoint_id>/active/", views.integration_webhook_active,
         name="integration_webhook_active"),
    path("integration/webhooks/<int:endpoint_id>/rotate/", views.integration_webhook_rotate,
         name="integration_webhook_rotate"),
    path("integration/deliveries/<int:delivery_id>/replay/", views.integration_delivery_replay,
         name="integration_delivery_replay"),
]
