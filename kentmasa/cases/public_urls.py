"""The citizen pages under /basvuru/: no login, Turkish first."""

from django.urls import path

from kentmasa.cases.views import public, public_mine, public_place

app_name = "public"
urlpatterns = [
    path("", public.institutions, name="form"),
    path("alindi/", public.receipt, name="receipt"),
    path("takip/", public.track, name="track"),
    path("takip/unut/", public.forget, name="forget"),
    path("takip/<str:number>/", public.track_case, name="track_case"),
    path("takip/<str:number>/foto/<int:pk>/", public.photo, name="photo"),
    path("takip/<str:number>/ek/<int:pk>/", public.media, name="media"),
    path("kvkk/", public.kvkk, name="kvkk"),
    # Last, so an institution's slug never hides the fixed pages above.
    path("<slug:slug>/", public.case_form, name="form"),
    path("<slug:slug>/telefon-kodu/", public.phone_code, name="phone_code"),
    path("<slug:slug>/konum/", public_place.place, name="place"),
    path("<slug:slug>/basvurularim/", public_mine.mine, name="mine"),
    path("<slug:slug>/basvurularim/cikis/", public_mine.mine_forget, name="mine_forget"),
    path("<slug:slug>/basvurularim/<str:number>/", public_mine.mine_case, name="mine_case"),
    path("<slug:slug>/basvurularim/<str:number>/yanit/", public_mine.mine_answer, name="mine_answer"),
]
