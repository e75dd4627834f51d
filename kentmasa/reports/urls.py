"""The managers' screens: the standards-compliance overview."""

from django.urls import path

from kentmasa.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.overview, name="overview"),
]
