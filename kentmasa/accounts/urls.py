from django.urls import path

from kentmasa.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("giris-kodu/", views.code_step, name="code"),
    path("iki-adim/", views.enrol, name="enrol"),
    path("iki-adim/kodlar/", views.recovery_codes, name="recovery_codes"),
    path("iki-adim/yeni-kodlar/", views.renew_recovery_codes, name="renew_codes"),
    path("kurum-girisleri/", views.institution_sign_ins, name="institution_sign_ins"),
    path("kurum-girisleri/sifirla/", views.reset_two_factor, name="reset_two_factor"),
]
