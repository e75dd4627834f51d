"""The information service's pages under /bilgi-edinme/ and the applicant's answer letter."""

from django.urls import path

from kentmasa.foi import views

app_name = "foi"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("rapor/", views.yearly_report, name="report"),
    path("rapor/<int:year>.xlsx", views.yearly_report_xlsx, name="report_xlsx"),
    path("yanit/<str:key>/", views.letter_public, name="letter_public"),
    path("basvuru/<str:number>/", views.case_panel, name="case_panel"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/yanit.pdf", views.letter_staff, name="letter"),
]
