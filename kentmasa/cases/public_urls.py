"""The citizen pages under /basvuru/: no login, Turkish first."""

from django.urls import path

from kentmasa.cases.views import public

app_name = "public"
urlpatterns = [
    path("", public.institutions, name="form"),
    path("alindi/", public.receipt, name="receipt"),
    path("takip/", public.track, name="track"),
    path("takip/unut/", public.forget, name="forget"),
    path("takip/<str:number>/", public.track_case, name="track_case"),
    path("takip/<str:number>/foto/<int:pk>/", public.photo, name="photo"),
    path("kvkk/", public.kvkk, name="kvkk"),
    # Last, so an institution's slug never hides the fixed pages above.
    path("<slug:slug>/", public.case_form, name="form"),
    path("<slug:slug>/telefon-kodu/", public.phone_code, name="phone_code"),
]
