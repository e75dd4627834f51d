"""The KADES gateway's webhook (kentmasa.emergency.kades), at /kanal/kades/."""

from django.urls import path

from kentmasa.emergency import kades

urlpatterns = [
    path("", kades.webhook, name="kades_webhook"),
]
