"""The public service standards pages under /standartlar/: no login, Turkish first."""

from django.urls import path

from kentmasa.cases.views import standards

app_name = "standards"
urlpatterns = [
    path("", standards.index, name="index"),
    path("<slug:slug>/", standards.table, name="table"),
    path("<slug:slug>/sure/", standards.hint, name="hint"),
]
