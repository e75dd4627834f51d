"""A team's phone page (kentmasa.emergency.team_views), under /ekip/."""

from django.urls import path

from kentmasa.emergency import pts_views, team_views

app_name = "team"
urlpatterns = [
    path("", team_views.page, name="page"),
    path("panel/", team_views.panel, name="panel"),
    path("durum/", team_views.set_status, name="status"),
    path("konum/", team_views.send_position, name="position"),
    path("gorev/<int:pk>/kabul/", team_views.acknowledge, name="acknowledge"),
    path("gorev/<int:pk>/vardim/", team_views.arrived, name="arrived"),
    path("plaka/<int:pk>/gordum/", pts_views.team_saw, name="plate_seen"),
]
