"""URLs of the field app's api side, mounted under /saha/ by kentmasa.field.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
