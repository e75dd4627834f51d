from django.urls import include, path

from kentmasa.privacy import retention_views, views

app_name = "privacy"

urlpatterns: list = [
    # The access log's reports, per citizen and per member of staff (KVKK m.12).
    path("erisim/", views.access_log, name="access_log"),
    # A short address of one notice version, for SMS: redirects to /basvuru/kvkk/?kurum=…&kanal=…&surum=….
    path("a/<int:pk>/", views.notice_short, name="notice_short"),
    path("", include("kentmasa.privacy.request_urls")),  # KVKK applications (art. 11)
    # Retention periods and the destruction run's dry run (KVKK m.7), for the institution's administrators.
    path("saklama/", retention_views.retention_policy, name="retention"),
]
