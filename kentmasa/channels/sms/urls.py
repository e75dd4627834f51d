"""The SMS webhooks' addresses, under ``/kanal/sms/``."""

from django.urls import path

from kentmasa.channels.sms.views import delivery_report, inbound

urlpatterns = [
    path("gelen/", inbound, name="sms-inbound"),
    path("rapor/", delivery_report, name="sms-report"),
]
