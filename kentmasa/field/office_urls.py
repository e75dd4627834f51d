"""URLs of the field app's office side, mounted under /saha/ by kentmasa.field.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
