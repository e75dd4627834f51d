from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from kentmasa.accounts import views as accounts_views
from kentmasa.api import api, unknown_address
from kentmasa.cases.views import standards as standards_views
from kentmasa.cases.views.auth import limit_logins
from kentmasa.channels.open311.discovery import discovery as open311_discovery
from kentmasa.notify import push_views, stream_views
from kentmasa.reports import wallboard

urlpatterns = [
    # The admin signs in through the same two steps as /giris/ (password, then the two-factor code), under
    # the same guessing limits (kentmasa.accounts).
    path("admin/login/", limit_logins(accounts_views.admin_login)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The staff member's own account: two-factor sign-in, recovery codes, their last sign-ins; the code step.
    path("hesap/", include("kentmasa.accounts.urls")),
    # Web Push: the manifest and the one service worker live at the root, so the worker's scope is the site.
    path("manifest.webmanifest", push_views.manifest, name="manifest"),
    path("sw.js", push_views.service_worker, name="service_worker"),
    path("bildirimler/push/", include("kentmasa.notify.push_urls")),
    path("bildirimler/", include("kentmasa.notify.urls")),
    # The live stream (kentmasa.notify.stream): async views, served by the ASGI web process.
    path("canli/", stream_views.page_stream, name="live_stream"),
    path("api/v1/stream", stream_views.api_stream, name="api_stream"),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", unknown_address),
    path("open311/v2/", include("kentmasa.channels.open311.urls")),
    re_path(r"^open311/discovery\.(?P<fmt>json|xml)$", open311_discovery, name="open311_discovery"),
    # The police side (kentmasa.emergency): the KADES gateway, the Haber Merkezi, a team's phone page.
    path("kanal/kades/", include("kentmasa.emergency.kades_urls")),
    path("haber-merkezi/", include("kentmasa.emergency.urls")),
    path("ekip/", include("kentmasa.emergency.team_urls")),
    # Field teams on their phones (kentmasa.field): work orders, offline queue, visits, inspection reports.
    path("saha/", include("kentmasa.field.urls")),
    # Feedback after resolution (kentmasa.feedback): the operators' call list, the citizen's rating link.
    path("geri-bildirim/", include("kentmasa.feedback.urls")),
    path("degerlendir/", include("kentmasa.feedback.public_urls")),
    # Law 4982 information requests (kentmasa.foi): the information service's pages, the answer letter.
    path("bilgi-edinme/", include("kentmasa.foi.urls")),
    # Destruction records (KVKK imha tutanakları) of every retention run (kentmasa.retention).
    path("imha-tutanaklari/", include("kentmasa.retention.urls")),
    path("kanal/", include("kentmasa.channels.urls")),
    path("basvuru/", include("kentmasa.cases.public_urls")),
    # Each institution's service standards table and the public form's deadline hint (no login).
    path("standartlar/", include("kentmasa.cases.standards_urls")),
    path("hs/<int:pk>", standards_views.short_link, name="standards_short"),  # the SMS's short link
    path("raporlar/", include("kentmasa.reports.urls")),
    # KVKK: notices, data-subject requests, the access log, retention (kentmasa.privacy).
    path("kvkk/", include("kentmasa.privacy.urls")),
    # Wall screens: a kiosk link per board, no sign-in (kentmasa.reports.wallboard).
    path("pano/<str:token>/", wallboard.board, name="wallboard"),
    path("pano/<str:token>/canli/", wallboard.board_stream, name="wallboard_stream"),
    path("yonlendirme/", include("kentmasa.routing.urls")),
    path("onay/", include("kentmasa.notify.approval_urls")),
    path("", include("kentmasa.cases.urls")),
]
if settings.KENTMASA_BENCH_VIEWS:  # bench/over_http.py's ceilings; off unless the environment says on
    from kentmasa.lib import bench_views

    urlpatterns = [
        path("bench/bare", bench_views.bare),
        path("bench/insert", bench_views.insert),
        *urlpatterns,
    ]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
