"""The citizen's rating page under /degerlendir/."""

from django.urls import path

from kentmasa.feedback import public_views

app_name = "rating"
urlpatterns = [
    path("<str:token>/", public_views.rate, name="rate"),
]
