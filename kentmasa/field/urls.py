"""The field app under /saha/: the phone app's pages (app_urls), its JSON API (api_urls, under /saha/api/),
and the pages of team leaders and units (office_urls)."""

from django.urls import include, path

app_name = "field"
urlpatterns = [
    path("api/", include("kentmasa.field.api_urls")),
    path("", include("kentmasa.field.office_urls")),
    path("", include("kentmasa.field.app_urls")),
]
