"""Subscribing a browser to Web Push and back (mounted at /bildirimler/push/)."""

from django.urls import path

from kentmasa.notify import push_views

app_name = "push"
urlpatterns = [
    path("abone/", push_views.subscribe, name="subscribe"),
    path("iptal/", push_views.unsubscribe, name="unsubscribe"),
]
