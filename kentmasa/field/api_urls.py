"""The field app's JSON API, mounted under /saha/api/ by kentmasa.field.urls (kentmasa.field.api_views)."""

from django.urls import path

from kentmasa.field import api_views

urlpatterns = [
    path("isler/", api_views.orders, name="api_orders"),
    path("eylem/", api_views.actions, name="api_actions"),
    path("foto/", api_views.photo, name="api_photo"),
    path("konum/", api_views.position, name="api_position"),
    path("durum/", api_views.duty, name="api_duty"),
    path("cihaz/", api_views.devices, name="api_devices"),
    path("cihaz/<int:pk>/iptal/", api_views.revoke, name="api_revoke"),
]
