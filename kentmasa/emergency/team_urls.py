"""A team's phone page (kentmasa.emergency.team_views), under /ekip/."""

from django.urls import path  # noqa: F401

app_name = "team"
urlpatterns: list = []
