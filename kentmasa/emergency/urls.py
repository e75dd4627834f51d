"""The Haber Merkezi's pages (kentmasa.emergency.views), under /haber-merkezi/."""

from django.urls import path

from kentmasa.emergency import views

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
]
