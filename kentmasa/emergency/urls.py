"""The Haber Merkezi's pages (kentmasa.emergency.views), under /haber-merkezi/."""

from django.urls import include, path

from kentmasa.emergency import pts_views, views

app_name = "emergency"
urlpatterns = [
    path("", views.board, name="board"),
    path("olaylar/", views.incidents, name="incidents"),
    path("ekipler/", views.teams_state, name="teams"),
    path("alarmlar/", views.alarms, name="alarms"),
    path("nobet/", views.presence, name="presence"),
    path("kapanis-kodlari/", views.closing_codes, name="closing_codes"),
    path("olay/<int:pk>/alarm/", views.alarm, name="alarm"),
    path("olay/<int:pk>/ekip-onerileri/", views.incident_offers, name="offers"),
    path("olay/<int:pk>/onayla/", views.acknowledge, name="acknowledge"),
    path("olay/<int:pk>/gonder/", views.send_team, name="send"),
    path("olay/<int:pk>/kapat/", views.close, name="close"),
    path("sevk/<int:pk>/vardi/", views.team_arrived, name="arrived"),
    path("kgys/", include("kentmasa.emergency.footage_urls")),
    path("plaka/", pts_views.alerts, name="plates"),
    path("plaka/panel/", pts_views.panel, name="plate_panel"),
    path("plaka/<int:pk>/", pts_views.alert, name="plate"),
    path("plaka/<int:pk>/onayla/", pts_views.acknowledge, name="plate_acknowledge"),
    path("plaka/<int:pk>/kapat/", pts_views.close, name="plate_close"),
]
