"""A member of staff's notifications, under /bildirimler/."""

from django.urls import path

from kentmasa.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("hepsi-okundu/", views.mark_all_read, name="mark_all_read"),
    path("sayilar/", views.header_counts, name="counts"),
    path("ayarlar/", views.preferences, name="preferences"),
    path("vekalet/", views.deputies, name="deputies"),
    path("vekalet/<int:deputy_id>/sil/", views.delete_deputy, name="delete_deputy"),
]
