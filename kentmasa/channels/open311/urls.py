"""The addresses of Open311 GeoReport v2, mounted at /open311/v2/ (kentmasa.urls)."""

from django.urls import re_path

from kentmasa.channels.open311.discovery import discovery
from kentmasa.channels.open311.views import (
    media,
    request_detail,
    requests_view,
    service_definition,
    service_list,
    token_detail,
    updates,
)

FORMAT = r"\.(?P<fmt>json|xml)$"
app_name = "open311"
urlpatterns = [
    re_path(r"^services" + FORMAT, service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT, service_definition, name="service"),
    re_path(r"^requests" + FORMAT, requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FORMAT, request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FORMAT, updates, name="updates"),
    re_path(r"^discovery" + FORMAT, discovery, name="discovery"),
    re_path(r"^media/(?P<key>\d{1,18}-[0-9a-f]{16})\.jpg$", media, name="media"),
]
