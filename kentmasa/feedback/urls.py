"""The feedback operator's pages under /geri-bildirim/."""

from django.urls import path

from kentmasa.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.call_list, name="calls"),
    path("<int:pk>/", views.call_detail, name="call"),
]
