"""The X webhook's address, under ``/kanal/x/``."""

from django.urls import path

from kentmasa.channels.x.views import webhook

urlpatterns = [
    path("webhook/", webhook, name="x_webhook"),
]
