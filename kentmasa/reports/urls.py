"""The managers' screens: the standards-compliance overview, the task map, the mahalle analysis and the
feedback report."""

from django.urls import path

from kentmasa.reports import feedback, views, views_map

app_name = "reports"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("harita/", views_map.task_map, name="map"),
    path("harita/noktalar", views_map.map_points, name="map_points"),
    path("harita/mahalleler", views_map.map_areas, name="map_areas"),
    path("mahalle/<int:area_id>/", views_map.mahalle, name="mahalle"),
    path("mahalle/<int:area_id>/disari.xlsx", views_map.mahalle_export, name="mahalle_export"),
    path("geri-bildirim/", feedback.report, name="feedback"),
]
