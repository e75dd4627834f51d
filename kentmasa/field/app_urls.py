"""URLs of the field app's app side, mounted under /saha/ by kentmasa.field.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
