"""Webhooks and endpoints of the channels, each channel under its own prefix.

E-mail has none: mail arrives through the listener (``manage.py email_listener``, channels/email/smtpd.py).
"""

from django.urls import include, path

app_name = "channels"
urlpatterns = [
    path("sms/", include("kentmasa.channels.sms.urls")),
    path("whatsapp/", include("kentmasa.channels.whatsapp.views")),
    path("x/", include("kentmasa.channels.x.urls")),
    path("masa/", include("kentmasa.channels.desk")),
    path("cimer/", include("kentmasa.channels.referrals")),
    path("santral/", include("kentmasa.channels.screenpop")),
]
