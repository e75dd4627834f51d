"""URLs of the field app's office side (kentmasa.field.office_views), mounted under /saha/ by field.urls."""

from django.urls import path

from kentmasa.field import office_views as views

urlpatterns = [
    path("is-emri/<str:tracking_number>/", views.send_work_order, name="office_send"),
    path("is-emri/<str:tracking_number>/panel/", views.case_panel, name="office_case_panel"),
    path("is-emri/<int:pk>/iptal/", views.cancel_work_order, name="office_cancel"),
    path("derman/<str:tracking_number>/", views.send_derman, name="office_send_derman"),
    path("birim/", views.unit_reports, name="office_unit"),
    path("birim/<int:pk>/incelendi/", views.mark_reviewed, name="office_review"),
    path("birim/foto/<int:pk>/", views.work_order_photo, name="office_photo"),
    path("ekip/", views.leader, name="office_leader"),
    path("ekip/is/<int:pk>/ata/", views.reassign, name="office_reassign"),
    path("makineler/", views.machine_list, name="office_machines"),
    path("makineler/<int:pk>/durum/", views.machine_status, name="office_machine_status"),
    path("yeni/", views.new_case, name="office_new_case"),
    path("ziyaret/", views.visit_list, name="office_visits"),
    path("ziyaret/yeni/", views.visit_new, name="office_visit_new"),
    path("ziyaret/<int:pk>/", views.visit_detail, name="office_visit"),
    path("ziyaret/<int:pk>/talep/", views.visit_raise, name="office_visit_raise"),
    path("tutanak/<int:pk>/", views.inspection, name="office_inspection"),
]
