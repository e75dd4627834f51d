"""KVKK applications (art. 11): the staff pages, under /kvkk/basvurular/ (kentmasa.privacy.request_views)."""

from django.urls import path

from kentmasa.privacy import request_views as views

urlpatterns = [
    path("basvurular/", views.queue, name="requests"),
    path("basvurular/<int:pk>/", views.detail, name="request"),
    path("basvurular/<int:pk>/adim/<str:name>/", views.step, name="request_step"),
    path("basvurular/<int:pk>/disa-aktar.<str:fmt>", views.export_file, name="request_export"),
    path("veri/<str:key>/", views.export_public, name="request_export_public"),
]
