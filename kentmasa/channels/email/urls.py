"""E-mail has no web endpoints: mail arrives through the listener (``email_listener``, :mod:`.smtpd`)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
