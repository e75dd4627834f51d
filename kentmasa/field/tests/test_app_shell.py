"""The field app's shell at /saha/ (kentmasa.field.app_views), its manifest, and section 4 of the service
worker: who gets the shell, that it holds no work order and no inline script, the Turkish texts field.js
shows, the manifest that installs /saha/ as an app, and what the worker keeps for offline use."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from kentmasa.directory.models import Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def field_team(roads):
    return Team.objects.create(unit=roads, name="Asfalt Ekibi 1", kind=Team.Kind.FIELD)


@pytest.fixture
def member(make_user, field_team):
    user = make_user(User.Role.FIELD_TEAM, "mehmet", teams=[field_team])
    user.first_name, user.last_name = "Mehmet", "Demir"
    user.save()
    return user


def shell(client, user):
    client.force_login(user)
    response = client.get("/saha/")
    return response, response.content.decode()


def test_a_team_member_gets_the_shell_in_turkish_without_work_orders_or_inline_script(
    client, member, make_case
):
    make_case(subject="Gizli kalmalı: bu vaka kabukta görünmez")
    response, page = shell(client, member)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "<title>Bugünün işleri · kentmasa</title>" in page
    assert 'href="/saha/manifest.webmanifest"' in page
    assert "Asfalt Ekibi 1" in page and "Mehmet Demir" in page
    assert "Bir web uygulaması telefon kilitliyken ya da uygulama kapalıyken konum gönderemez" in page
    assert "Gizli kalmalı" not in page  # the shell is the same whatever the day's work: cacheable
    # Every script is a file of the site or a JSON block (CSP: script-src 'self').
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert re.search(r'src="/static/', tag) or 'type="application/json"' in tag, tag
    assert re.findall(r'<script src="([^"]+)"', page) == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/kentmasa/field.js",
    ]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    root = re.search(r'<div id="field-app"[^>]*>', page, re.S).group(0)
    attributes = dict(re.findall(r'data-([\w-]+)="([^"]*)"', root))
    assert attributes["user"] == str(member.pk)
    assert attributes["url-list"] == "/saha/api/isler/"
    assert attributes["url-actions"] == "/saha/api/eylem/"
    assert attributes["url-photo"] == "/saha/api/foto/"
    assert attributes["url-device"] == "/saha/api/cihaz/"
    assert attributes["worker"] == "/sw.js"
    assert attributes["long-edge"] == "1600" and attributes["quality"] == "0.8"
    assert attributes["time-zone"] == "Europe/Istanbul"
    for asset in attributes["assets"].split():
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_scripts_texts_are_turkish(client, member):
    _response, page = shell(client, member)
    block = re.search(r'<script id="field-texts" type="application/json">(.*?)</script>', page, re.S)
    texts = json.loads(block.group(1))
    assert texts["set_out"] == "Yola çıktım" and texts["arrived"] == "Vardım"
    assert texts["before"] == "Önce" and texts["after"] == "Sonra"
    assert texts["done"] == "Tamamlandı" and texts["failed"] == "Yapılamadı"
    assert texts["other_team"] == "Başka ekip gerekli"
    assert texts["waiting"] == "Gönderilmeyi bekleyen: %(count)s"
    assert texts["offline"] == "Çevrimdışı" and texts["not_applied"] == "Uygulanamayanlar"
    assert texts["due"] == "Son tarih %(date)s"
    assert texts["priorities"] == {"1": "Düşük", "2": "Normal", "3": "Yüksek", "4": "Acil"}
    assert set(texts["statuses"]) == {
        "assigned",
        "en_route",
        "on_site",
        "done",
        "failed",
        "other_team",
        "cancelled",
    }


def test_the_leader_of_a_field_team_gets_the_shell_too(client, make_user, roads):
    leader = make_user(User.Role.FIELD_TEAM, "ahmet")
    Team.objects.create(unit=roads, name="Kaldırım Ekibi", kind=Team.Kind.FIELD, leader=leader)
    response, page = shell(client, leader)
    assert response.status_code == 200 and "Kaldırım Ekibi" in page


@pytest.mark.parametrize("case", ["police_team", "inactive_team", "unit_staff"])
def test_who_is_not_in_an_active_field_team_is_told_who_it_is_for(client, make_user, roads, case):
    if case == "unit_staff":
        user = make_user(User.Role.UNIT_STAFF, "selin", units=[roads])
    else:
        team = Team.objects.create(
            unit=roads,
            name="Ekip",
            kind=Team.Kind.POLICE if case == "police_team" else Team.Kind.FIELD,
            active=case != "inactive_team",
        )
        user = make_user(User.Role.FIELD_TEAM, "polis", teams=[team])
    response, page = shell(client, user)
    assert response.status_code == 403
    assert "Saha uygulaması saha ekiplerinin üyeleri ve liderleri içindir." in page
    assert "field.js" not in page


def test_signed_out_goes_to_the_log_in_page_and_only_get_is_served(client, member):
    response = client.get("/saha/")
    assert response.status_code == 302 and response["Location"] == "/giris/?next=/saha/"
    client.force_login(member)
    assert client.post("/saha/").status_code == 405
    assert client.head("/saha/").status_code == 200


def test_the_field_manifest_installs_saha_as_a_turkish_app(client):
    response = client.get("/saha/manifest.webmanifest")  # browsers ask without cookies
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["name"], manifest["short_name"], manifest["lang"]) == ("kentmasa Saha", "Saha", "tr")
    assert (manifest["id"], manifest["start_url"], manifest["scope"]) == ("/saha/", "/saha/", "/saha/")
    assert manifest["display"] == "standalone"
    assert manifest["description"] == "Saha ekipleri için günün iş emirleri, çekmeyen yerlerde de"
    assert manifest["shortcuts"][0] == {
        "name": "Bugünün işleri",
        "url": "/saha/",
        "icons": [{"src": "/static/kentmasa/icons/icon-192.png", "sizes": "192x192", "type": "image/png"}],
    }
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))
    assert client.post("/saha/manifest.webmanifest").status_code == 405


def test_the_service_worker_keeps_the_field_app_for_offline_use(client):
    script = client.get("/sw.js").content.decode()
    assert "// -- 4. field app offline" in script and "{%" not in script
    assert 'var FIELD_CACHE = "kentmasa-field-v1";' in script
    # The same cache name in the page's script, which fills it.
    assert 'var CACHE = "kentmasa-field-v1";' in Path(str(finders.find("kentmasa/field.js"))).read_text()
    statics = re.search(r"var FIELD_STATIC = \[(.*?)\];", script, re.S).group(1)
    assert re.findall(r'"([^"]+)"', statics) == [
        "/static/kentmasa/field.js",
        "/static/kentmasa/field.css",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/kentmasa/icons/icon-192.png",
        "/static/kentmasa/push.js",
    ]
    assert 'var FIELD_LIST = "/saha/api/isler/";' in script
    # Other addresses go straight to the network without waking the worker (static routes), except these.
    assert "event.addRoutes([{ condition: { not: { or: field } }, source: \"network\" }])" in script
    # Every sign-in and sign-out drops the shell's copy, which names its user.
    assert 'var FIELD_SIGN = ["/giris/", "/cikis/", "/admin/login/", "/admin/logout/"];' in script
    # Only GETs are answered from the cache: the queue's POSTs always go to the network.
    handler = script[script.index('self.addEventListener("fetch"') :]
    not_get = re.search(r'if \(request\.method !== "GET"\) \{(.*?)\n    return;\n  \}', handler, re.S)
    assert (
        not_get and "respondWith" not in not_get.group(1) and "cache.delete(FIELD_SHELL)" in not_get.group(1)
    )
    assert handler.index("cache.delete(FIELD_SHELL)") < handler.index("respondWith")
    # The earlier sections are still there.
    for needed in ('addEventListener("push"', 'addEventListener("notificationclick"'):
        assert needed in script


def test_the_shell_offers_push_for_new_work_where_the_site_has_keys(client, member, settings):
    from kentmasa.notify import webpush

    settings.KENTMASA_VAPID_PUBLIC_KEY = settings.KENTMASA_VAPID_PRIVATE_KEY = ""
    _response, page = shell(client, member)
    assert "push-toggle" not in page and 'push.js"></script>' not in page

    settings.KENTMASA_VAPID_PUBLIC_KEY, settings.KENTMASA_VAPID_PRIVATE_KEY = webpush.new_key_pair()
    _response, page = shell(client, member)
    button = re.search(r'<button[^>]*id="push-toggle"[^>]*>([^<]*)</button>', page, re.S)
    assert button and button.group(1) == "Bildirimleri aç"
    assert f'data-user="{member.pk}"' in button.group(0)
    assert '<script src="/static/kentmasa/push.js" defer></script>' in page
