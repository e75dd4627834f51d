"""The router's staff endpoints; mounted at /yonlendirme/ in kentmasa/urls.py."""

from django.urls import path

from kentmasa.routing import views

app_name = "routing"
urlpatterns = [
    path("oneri/", views.suggest, name="suggest"),
    path("vaka/<str:tracking_number>/", views.case_panel, name="case_panel"),
    path("vaka/<str:tracking_number>/kategori/", views.categorise, name="categorise"),
    path("vaka/<str:tracking_number>/isaret/<int:flag_id>/", views.act_on_flag, name="act_on_flag"),
]
