"""The destruction records' pages (kentmasa.retention.views), under /imha-tutanaklari/."""

from django.urls import path

from kentmasa.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("<int:pk>/", views.record_detail, name="detail"),
]
