"""Routes of help inside the system and the login log (issue 12, parts 6 and 7)."""

from django.urls import path

from ecabinet import views_feedback, views_help, views_loginlog

urlpatterns = [
    path("help/", views_help.help_index, name="help_index"),
    path("help/new/", views_help.help_create, name="help_create"),
    path("help/topic/<slug:topic>/", views_help.help_topic, name="help_topic"),
    path("help/<int:page_id>/", views_help.help_page, name="help_page"),
    path("help/<int:page_id>/edit/", views_help.help_edit, name="help_edit"),
    path("help/<int:page_id>/delete/", views_help.help_delete, name="help_delete"),
    path("help/<int:page_id>/files/", views_help.help_file_add, name="help_file_add"),
    path("help/files/<int:file_id>/", views_help.help_file, name="help_file"),
    path("help/files/<int:file_id>/remove/", views_help.help_file_remove, name="help_file_remove"),
    path("feedback/", views_feedback.feedback_form, name="feedback"),
    path("feedback/all/", views_feedback.feedback_list, name="feedback_list"),
    path("feedback/<int:feedback_id>/", views_feedback.feedback_detail, name="feedback_detail"),
    path("feedback/<int:feedback_id>/file/", views_feedback.feedback_file, name="feedback_file"),
    path("feedback/<int:feedback_id>/handle/", views_feedback.feedback_handle, name="feedback_handle"),
    path("login-log/", views_loginlog.login_log, name="login_log"),
    path("login-log/export.csv", views_loginlog.login_log_csv, name="login_log_csv"),
    path("login-log/retention/", views_loginlog.login_log_retention, name="login_log_retention"),
    path("login-log/purge/", views_loginlog.login_log_purge, name="login_log_purge"),
]
