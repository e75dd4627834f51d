"""The KGYS screens (kentmasa.emergency.footage_views), under /haber-merkezi/kgys/ (emergency:kgys:…)."""

from django.urls import path

from kentmasa.emergency import footage_views as views

app_name = "kgys"
urlpatterns = [
    path("", views.requests, name="requests"),
    path("talep/yeni/", views.new_request, name="new"),
    path("talep/<int:pk>/", views.request_detail, name="request"),
    path("talep/<int:pk>/emir/", views.attach_order, name="attach_order"),
    path("talep/<int:pk>/emir/indir/", views.order_file, name="order_file"),
    path("talep/<int:pk>/onayla/", views.approve, name="approve"),
    path("talep/<int:pk>/reddet/", views.refuse, name="refuse"),
    path("teslim/<int:pk>/paket/", views.package, name="package"),
    path("kameralar/", views.cameras, name="cameras"),
    path("saklamalar/", views.holds, name="holds"),
    path("saklamalar/yeni/", views.place_hold, name="place_hold"),
    path("saklama/<int:pk>/kaldir/", views.lift_hold, name="lift_hold"),
]
