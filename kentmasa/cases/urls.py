"""The staff screens: login, the operator console, the unit queue and the case page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from kentmasa.cases import views
from kentmasa.cases.views import auth, case, console, queue

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("giris/", auth.login, name="login"),
    path("cikis/", auth_views.LogoutView.as_view(next_page="cases:login"), name="logout"),
    path("konsol/", console.console, name="console"),
    path("konsol/arayan", console.caller_lookup, name="caller_lookup"),
    path("konsol/kategoriler", console.category_options, name="category_options"),
    path("kuyruk/", queue.queue, name="queue"),
    path("kuyruk/toplu-atama/", queue.bulk_assign, name="bulk_assign"),
    path("vaka/<str:tracking_number>/", case.case_detail, name="detail"),
    path("vaka/<str:tracking_number>/islem/<str:name>/", case.perform_transition, name="transition"),
    path("vaka/<str:tracking_number>/uzerime-al/", case.take, name="take"),
    path("vaka/<str:tracking_number>/yorum/", case.add_comment, name="comment"),
    path("vaka/<str:tracking_number>/ek/", case.upload_attachment, name="upload"),
    path("vaka/<str:tracking_number>/ek/<int:attachment_id>/", case.download_attachment, name="attachment"),
]
