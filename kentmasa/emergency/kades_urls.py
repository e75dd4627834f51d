"""The KADES gateway's webhook (kentmasa.emergency.kades), at /kanal/kades/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
