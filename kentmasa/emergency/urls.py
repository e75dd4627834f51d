"""The Haber Merkezi's pages (kentmasa.emergency.views), under /haber-merkezi/."""

from django.urls import path  # noqa: F401

app_name = "emergency"
urlpatterns: list = []
