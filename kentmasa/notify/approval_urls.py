"""The approver's pages, under /onay/ (kentmasa.notify.approval_views)."""

from django.urls import path

from kentmasa.notify import approval_views

app_name = "approvals"
urlpatterns = [
    path("", approval_views.mine, name="mine"),
    path("<int:approval_id>/", approval_views.detail, name="detail"),
    path("<int:approval_id>/onayla/", approval_views.approve, name="approve"),
    path("<int:approval_id>/geri-gonder/", approval_views.send_back, name="send_back"),
    path("<int:approval_id>/foto/<int:attachment_id>/", approval_views.photo, name="photo"),
]
