"""URLs of the field app's phone side, mounted under /saha/ by kentmasa.field.urls: the app's shell (filled
by kentmasa/field.js; work orders are shown as /saha/#is/<id>) and its manifest."""

from django.urls import path

from kentmasa.field import app_views

urlpatterns = [
    path("", app_views.app, name="app"),
    path("manifest.webmanifest", app_views.manifest, name="manifest"),
]
