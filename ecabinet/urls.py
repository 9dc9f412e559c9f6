from django.contrib import admin
from django.urls import include, path, re_path
from oauth2_provider.views import TokenView

from ecabinet import pwa, views
from ecabinet.api import api, api_not_found
from ecabinet.api_integration import integration_api

admin.site.site_header = "eCabinet"
admin.site.site_title = "eCabinet"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", pwa.LogoutView.as_view(), name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("notifications/", views.notifications, name="notifications"),
    path("profile/notifications/", views.push_preferences, name="push_preferences"),
    path("profile/notifications/reminders/", views.reminder_preferences, name="reminder_preferences"),
    path("i18n/", include("django.conf.urls.i18n")),
    # the installable app and offline reading (ecabinet/pwa.py)
    path("manifest.webmanifest", pwa.manifest, name="web_manifest"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline_page, name="offline"),
    # --- help, feedback, login log (issue 12) ---
    path("", include("ecabinet.urls_help")),
    # --- end help ---
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # --- the province's platforms (issue 13 part 5): OAuth2 token, integration API, admin pages ---
    path("o/token/", TokenView.as_view(), name="oauth2_token"),
    path("api/integration/v1/", integration_api.urls),
    path("", include("ecabinet.urls_integration")),
    # --- end integration ---
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("", include("meetings.urls")),
    path("", include("signing.urls")),
]

handler400 = "ecabinet.error_pages.bad_request"
handler403 = "ecabinet.error_pages.permission_denied"
handler404 = "ecabinet.error_pages.page_not_found"
handler500 = "ecabinet.error_pages.server_error"
