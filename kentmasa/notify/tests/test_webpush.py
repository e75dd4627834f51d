"""Web Push: push_to_user against a local fake push service over real HTTP (which checks the VAPID JWT and
decrypts the aes128gcm body with the subscription's own keys), the subscribe/unsubscribe endpoints, the
manifest and the service worker, the header button, and `manage.py vapid_keys`."""

import json
import re
from io import StringIO

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client
from py_vapid import Vapid

from kentmasa.lib.outbound import SendError
from kentmasa.notify import webpush
from kentmasa.notify.models import PushSubscription
from kentmasa.notify.tests.fake_push import FakePushService, unb64url
from kentmasa.notify.webpush import push_to_user

PASSWORD = "kentmasa-test-1"
PUBLIC, PRIVATE = webpush.new_key_pair()
SUBJECT = "mailto:bilgi-islem@esenler.example"
SUBSCRIBE, UNSUBSCRIBE = "/bildirimler/push/abone/", "/bildirimler/push/iptal/"


@pytest.fixture
def vapid_keys(settings):
    settings.KENTMASA_VAPID_PUBLIC_KEY = PUBLIC
    settings.KENTMASA_VAPID_PRIVATE_KEY = PRIVATE
    settings.KENTMASA_VAPID_SUBJECT = SUBJECT
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = True  # the fake push service is plain http on 127.0.0.1
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.esenler.example"
    settings.KENTMASA_PUSH_TIMEOUT = 2


@pytest.fixture
def push_service(vapid_keys):
    fake = FakePushService(vapid_public_key=PUBLIC).start()
    yield fake
    fake.stop()


def subscribe(fake, user, user_agent=""):
    data = fake.subscribe()
    subscription = PushSubscription.objects.create(
        user=user,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
        user_agent=user_agent,
    )
    return subscription


PAYLOAD = {
    "title": "Size bir başvuru atandı",
    "body": "İnönü Caddesi'nde derin çukur — 26-0000123-4",
    "url": "/vaka/260000123/",
    "tag": "notification-17",
    "critical": False,
}


# --- push_to_user --------------------------------------------------------------------------------------


def test_each_subscription_gets_the_message_encrypted_for_it_and_signed(push_service, road_staff):
    phone = subscribe(push_service, road_staff, "Android telefon")
    laptop = subscribe(push_service, road_staff, "Firefox")

    assert push_to_user(road_staff, PAYLOAD) == 2

    expected = {**PAYLOAD, "url": "https://basvuru.esenler.example/vaka/260000123/"}
    assert push_service.messages() == [expected, expected]  # decrypted with each browser's own keys
    assert {r.path.rsplit("/", 1)[-1] for r in push_service.received} == {
        s.endpoint.rsplit("/", 1)[-1] for s in (phone, laptop)
    }
    for request in push_service.received:
        assert request.status == 201, request.problem
        assert request.claims["aud"] == push_service.origin and request.claims["sub"] == SUBJECT
        assert request.headers["content-encoding"] == "aes128gcm"
        assert request.headers["ttl"] == str(24 * 60 * 60)
        assert request.headers["urgency"] == "normal"
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", request.headers["topic"])
    # Two messages encrypted for two browsers share nothing: a fresh key and salt for each.
    assert push_service.received[0].body[:16] != push_service.received[1].body[:16]
    assert all(s.last_success_at for s in PushSubscription.objects.all())


def test_a_critical_message_is_urgent(push_service, road_staff):
    subscribe(push_service, road_staff)
    assert push_to_user(road_staff, {**PAYLOAD, "critical": True}) == 1
    request = push_service.received[0]
    assert request.headers["urgency"] == "high"
    assert request.message["critical"] is True


def test_a_long_text_is_cut_to_fit_the_4_kb_a_push_service_takes(push_service, road_staff):
    subscribe(push_service, road_staff)
    long = "Çok uzun açıklama: ağaç dalları şehir hattına değiyor. " * 200  # ~12 000 bytes in UTF-8
    assert push_to_user(road_staff, {**PAYLOAD, "body": long}) == 1
    request = push_service.received[0]
    assert len(request.body) <= 4096
    body = request.message["body"]
    assert body.endswith("…") and long.startswith(body[:-1]) and len(body) > 1000
    sent = json.dumps(request.message, ensure_ascii=False, separators=(",", ":")).encode()
    assert webpush.MAX_MESSAGE_BYTES - 10 < len(sent) <= webpush.MAX_MESSAGE_BYTES


@pytest.mark.parametrize("gone", [404, 410])
def test_a_subscription_the_push_service_says_is_gone_is_deleted(push_service, road_staff, gone):
    expired = subscribe(push_service, road_staff)
    alive = subscribe(push_service, road_staff)
    # The newest subscription is tried first.
    push_service.script = [201, gone]

    assert push_to_user(road_staff, PAYLOAD) == 1

    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [alive.pk]
    assert not PushSubscription.objects.filter(pk=expired.pk).exists()


def test_when_every_subscription_is_gone_the_error_is_permanent(push_service, road_staff):
    subscribe(push_service, road_staff)
    push_service.script = [410]
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert error.value.permanent
    assert not PushSubscription.objects.exists()


def test_a_push_service_failure_is_temporary_and_keeps_the_subscription(push_service, road_staff):
    subscription = subscribe(push_service, road_staff)
    push_service.script = [500]
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert not error.value.permanent
    assert "500" in str(error.value)
    subscription.refresh_from_db()
    assert subscription.last_success_at is None


def test_a_push_service_that_does_not_answer_times_out(push_service, road_staff, settings):
    settings.KENTMASA_PUSH_TIMEOUT = 0.5
    subscribe(push_service, road_staff)
    push_service.script = ["stall"]
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert not error.value.permanent and "timeout" in str(error.value)
    assert PushSubscription.objects.exists()


def test_one_failure_does_not_stop_the_others(push_service, road_staff):
    subscribe(push_service, road_staff)
    subscribe(push_service, road_staff)
    push_service.script = [503]
    assert push_to_user(road_staff, PAYLOAD) == 1
    assert len(push_service.messages()) == 1 and PushSubscription.objects.count() == 2


def test_without_a_subscription_the_error_is_permanent(vapid_keys, road_staff, road_manager, push_service):
    subscribe(push_service, road_manager)  # someone else's
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert error.value.permanent
    assert push_service.received == []


def test_without_vapid_keys_the_error_is_permanent(push_service, road_staff, settings):
    subscribe(push_service, road_staff)
    settings.KENTMASA_VAPID_PRIVATE_KEY = ""
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert error.value.permanent and push_service.received == []


def test_keys_that_are_not_a_pair_are_refused_before_anything_is_sent(push_service, road_staff, settings):
    subscribe(push_service, road_staff)
    settings.KENTMASA_VAPID_PUBLIC_KEY = webpush.new_key_pair()[0]
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert error.value.permanent and "public half" in str(error.value)
    assert push_service.received == []


def test_a_pem_private_key_works_too(push_service, road_staff, settings):
    signer = Vapid()
    signer.generate_keys()
    settings.KENTMASA_VAPID_PRIVATE_KEY = signer.private_pem().decode()
    settings.KENTMASA_VAPID_PUBLIC_KEY = push_service.vapid_public_key = webpush.b64url_encode(
        signer.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )
    subscribe(push_service, road_staff)
    assert push_to_user(road_staff, PAYLOAD) == 1


def test_a_stored_endpoint_no_longer_allowed_is_dropped_unsent(push_service, road_staff, settings):
    subscribe(push_service, road_staff)
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = False  # e.g. subscribed during development
    with pytest.raises(SendError) as error:
        push_to_user(road_staff, PAYLOAD)
    assert error.value.permanent
    assert push_service.received == [] and not PushSubscription.objects.exists()


def test_site_paths_become_absolute_and_odd_links_go_home(settings):
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.esenler.example/"
    assert webpush.absolute_url("/vaka/1/") == "https://basvuru.esenler.example/vaka/1/"
    assert webpush.absolute_url("https://kentmasa.esenler.example/onay/3/") == (
        "https://kentmasa.esenler.example/onay/3/"
    )
    assert webpush.absolute_url("//evil.example/") == "https://basvuru.esenler.example/"
    assert webpush.absolute_url("javascript:alert(1)") == "https://basvuru.esenler.example/"
    message = json.loads(webpush.message_bytes({}))
    assert message == {
        "title": "kentmasa",
        "body": "",
        "url": "https://basvuru.esenler.example/",
        "tag": "",
        "critical": False,
    }


@pytest.mark.parametrize(
    "endpoint, problem",
    [
        ("https://fcm.googleapis.com/fcm/send/abc:APA91b", None),
        ("https://updates.push.services.mozilla.com/wpush/v2/gAAAA", None),
        ("https://web.push.apple.com/QGuQyavXutnMH", None),
        ("https://wns2-par02p.notify.windows.com/w/?token=BQYAAA", None),
        ("http://fcm.googleapis.com/fcm/send/abc", "endpoint must be https"),
        ("https://fcm.googleapis.com.evil.example/x", "endpoint is not at a known push service"),
        ("https://10.0.0.5/push", "endpoint is not at a known push service"),
        ("https://evilfcm.googleapis.com.example/x", "endpoint is not at a known push service"),
        ("http://127.0.0.1:9/push/x", "endpoint must be https"),
        ("https://localhost/push/x", "endpoint must be https"),
        ("https://user:pw@fcm.googleapis.com/x", "endpoint is not a URL"),
        ("https://fcm.googleapis.com:99999/x", "endpoint is not a URL"),
        ("https://fcm.googleapis.com/a b", "endpoint is not a URL"),
        ("https://fcm.googleapis.com/ç", "endpoint is not a URL"),
        ("ftp://fcm.googleapis.com/x", "endpoint must be https"),
        ("https://fcm.googleapis.com/" + "a" * 1000, "endpoint too long"),
        ("", "no endpoint"),
        (17, "no endpoint"),
    ],
)
def test_endpoints_are_only_the_known_push_services_over_https(settings, endpoint, problem):
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = False
    assert webpush.endpoint_problem(endpoint) == problem


def test_local_http_endpoints_only_with_the_setting(settings):
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = True
    assert webpush.endpoint_problem("http://127.0.0.1:8123/push/x") is None
    assert webpush.endpoint_problem("http://localhost:8123/push/x") is None
    assert webpush.endpoint_problem("http://192.168.1.5/push/x") == "endpoint must be https"


# --- subscribe / unsubscribe --------------------------------------------------------------------------


def signed_in(username) -> tuple[Client, str]:
    """A browser session with CSRF checks on, and the token the header button carries (data-csrf)."""
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0 (Android 15) Chrome/142")
    assert client.login(username=username, password=PASSWORD)
    page = client.get("/", follow=True).content.decode()
    token = re.search(r'id="push-toggle"[^>]*data-csrf="([^"]+)"', page, re.S)
    assert token, "the push button carries the CSRF token"
    return client, token.group(1)


def post(client, url, data, token="", **extra):
    body = data if isinstance(data, bytes | str) else json.dumps(data)
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return client.post(url, body, content_type="application/json", **headers, **extra)


def browser_subscription(keys_from):
    data = keys_from.subscribe()
    data["endpoint"] = "https://fcm.googleapis.com/fcm/send/" + data["endpoint"].rsplit("/", 1)[-1]
    return data


def test_subscribing_stores_the_browser_once(vapid_keys, road_staff, push_service):
    client, token = signed_in("road_staff")
    data = browser_subscription(push_service)

    first = post(client, SUBSCRIBE, data, token)
    assert first.status_code == 201, first.content
    assert first.json()["message"] == "Bu tarayıcıda bildirimler açık."
    again = post(client, SUBSCRIBE, data, token)
    assert again.status_code == 200

    subscription = PushSubscription.objects.get()
    assert (subscription.user, subscription.endpoint) == (road_staff, data["endpoint"])
    assert (subscription.p256dh, subscription.auth) == (data["keys"]["p256dh"], data["keys"]["auth"])
    assert "Android" in subscription.user_agent


def test_a_nul_in_the_browsers_user_agent_is_dropped_not_a_500(vapid_keys, road_staff, push_service):
    client, token = signed_in("road_staff")
    answer = post(
        client, SUBSCRIBE, browser_subscription(push_service), token, HTTP_USER_AGENT="Chrome\x00/142"
    )
    assert answer.status_code == 201
    assert PushSubscription.objects.get().user_agent == "Chrome/142"


def test_subscribing_needs_the_csrf_token_and_a_session(vapid_keys, road_staff, push_service):
    client, _token = signed_in("road_staff")
    data = browser_subscription(push_service)
    assert post(client, SUBSCRIBE, data).status_code == 403
    assert post(client, SUBSCRIBE, data, "x" * 64).status_code == 403
    anonymous = Client()
    refused = post(anonymous, SUBSCRIBE, data)
    assert refused.status_code == 401 and refused.json()["code"] == "login"
    assert not PushSubscription.objects.exists()


def test_an_endpoint_subscribed_from_another_account_moves_there(
    vapid_keys, road_staff, park_staff, push_service
):
    data = browser_subscription(push_service)
    client, token = signed_in("road_staff")
    assert post(client, SUBSCRIBE, data, token).status_code == 201
    # The same browser, now signed in as somebody else.
    other, other_token = signed_in("park_staff")
    assert post(other, SUBSCRIBE, data, other_token).status_code == 200
    assert PushSubscription.objects.get().user == park_staff
    # The first user cannot unsubscribe what is no longer theirs.
    assert post(client, UNSUBSCRIBE, {"endpoint": data["endpoint"]}, token).status_code == 200
    assert PushSubscription.objects.get().user == park_staff
    assert post(other, UNSUBSCRIBE, data, other_token).json()["code"] == "unsubscribed"
    assert not PushSubscription.objects.exists()


def test_a_user_keeps_a_bounded_number_of_browsers(vapid_keys, road_staff, push_service, settings):
    settings.KENTMASA_PUSH_MAX_PER_USER = 2
    client, token = signed_in("road_staff")
    endpoints = []
    for _ in range(3):
        data = browser_subscription(push_service)
        endpoints.append(data["endpoint"])
        assert post(client, SUBSCRIBE, data, token).status_code == 201
    assert set(PushSubscription.objects.values_list("endpoint", flat=True)) == set(endpoints[1:])


def _with(data, **changes):
    changed = json.loads(json.dumps(data))
    for path, value in changes.items():
        target = changed
        *parents, last = path.split("__")
        for parent in parents:
            target = target[parent]
        target[last] = value
    return changed


GOOD_P256DH = webpush.b64url_encode(b"\x04" + b"\x00" * 64)  # the right length, but no point on P-256


@pytest.mark.parametrize(
    "change, code",
    [
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}, "endpoint"),
        ({"endpoint": "https://intranet.esenler.example/admin"}, "endpoint"),
        ({"endpoint": None}, "endpoint"),
        ({"endpoint": ["https://fcm.googleapis.com/x"]}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com/" + "x" * 2000}, "endpoint"),
        ({"keys": None}, "keys"),
        ({"keys": "p256dh"}, "keys"),
        ({"keys__auth": None}, "keys"),
        ({"keys__p256dh": 5}, "keys"),
        ({"keys__p256dh": "not base64!"}, "keys"),
        ({"keys__p256dh": GOOD_P256DH}, "keys"),
        ({"keys__p256dh": webpush.b64url_encode(b"\x04" + b"\x01" * 30)}, "keys"),
        ({"keys__auth": webpush.b64url_encode(b"\x01" * 15)}, "keys"),
        ({"keys__auth": "=="}, "keys"),
        ({"keys__auth": "ş" * 22}, "keys"),
    ],
)
def test_a_malformed_subscription_is_400_with_a_reason(vapid_keys, road_staff, push_service, change, code):
    client, token = signed_in("road_staff")
    data = _with(browser_subscription(push_service), **change)
    response = post(client, SUBSCRIBE, data, token)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == code and answer["message_tr"] and answer["message_en"]
    assert answer["message_tr"] != answer["message_en"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body, status",
    [
        (b"", 400),
        (b"{", 400),
        (b"\xff\xfe", 400),
        (b"[1, 2]", 400),
        (b'"endpoint"', 400),
        (b"[" * 5000 + b"]" * 5000, 413),
        (b"[" * 1000 + b"]" * 1000, 400),
        (json.dumps({"endpoint": "x" * 5000}).encode(), 413),
    ],
)
def test_a_body_that_is_no_subscription_is_refused_in_json(vapid_keys, road_staff, body, status):
    client, token = signed_in("road_staff")
    for url in (SUBSCRIBE, UNSUBSCRIBE):
        response = post(client, url, body, token)
        assert response.status_code == status and response["Content-Type"] == "application/json"
        assert response.json()["ok"] is False


def test_only_post_and_only_when_configured(vapid_keys, road_staff, push_service, settings):
    client, token = signed_in("road_staff")
    assert client.get(SUBSCRIBE).status_code == 405
    settings.KENTMASA_VAPID_PUBLIC_KEY = ""
    response = post(client, SUBSCRIBE, browser_subscription(push_service), token)
    assert response.status_code == 503 and response.json()["code"] == "not_configured"


def test_a_refusal_speaks_the_pages_language(vapid_keys, road_staff):
    client, token = signed_in("road_staff")
    response = post(client, SUBSCRIBE, b"{", token, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "The request body is not JSON."
    client.cookies["django_language"] = "en"
    assert post(client, SUBSCRIBE, b"{", token).json()["message"] == "The request body is not JSON."
    client.cookies["django_language"] = "tr"
    assert post(client, SUBSCRIBE, b"{", token).json()["message"] == "İstek gövdesi JSON değil."


def test_padded_keys_are_stored_unpadded(vapid_keys, road_staff, push_service):
    client, token = signed_in("road_staff")
    data = browser_subscription(push_service)
    padded = _with(data, keys__auth=data["keys"]["auth"] + "==", keys__p256dh=data["keys"]["p256dh"] + "=")
    assert post(client, SUBSCRIBE, padded, token).status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.auth, stored.p256dh) == (data["keys"]["auth"], data["keys"]["p256dh"])


# --- the manifest, the service worker and the header button -------------------------------------------


def test_the_manifest_makes_an_installable_turkish_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "kentmasa" and manifest["lang"] == "tr"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["description"] == "Belediye personeli için başvurular ve bildirimler"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix("/static/")
        path = finders.find(name)
        assert path, f"{name} is a static file"
        with open(path, "rb") as png:
            header = png.read(24)
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert header[:8] == b"\x89PNG\r\n\x1a\n" and f"{width}x{height}" == icon["sizes"]
    assert "manifest-src 'self'" in response["Content-Security-Policy"]


def test_the_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    script = response.content.decode()
    for needed in ('addEventListener("push"', "showNotification", 'addEventListener("notificationclick"'):
        assert needed in script
    assert '"/static/kentmasa/icons/icon-192.png"' in script and "{{" not in script
    assert client.post("/sw.js").status_code == 405
    assert client.head("/sw.js").status_code == 200
    assert "worker-src 'self'" in response["Content-Security-Policy"]


def test_the_header_offers_the_button_only_with_keys(client, road_staff, settings):
    client.force_login(road_staff)
    settings.KENTMASA_VAPID_PUBLIC_KEY = settings.KENTMASA_VAPID_PRIVATE_KEY = ""
    page = client.get("/", follow=True).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert "push-toggle" not in page and "push.js" not in page

    settings.KENTMASA_VAPID_PUBLIC_KEY, settings.KENTMASA_VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    page = client.get("/", follow=True).content.decode()
    button = re.search(r"<button[^>]*id=\"push-toggle\"[^>]*>([^<]*)</button>", page, re.S)
    assert button and button.group(1) == "Bildirimleri aç"
    tag = button.group(0)
    assert " hidden" in tag  # push.js shows it where the browser has a PushManager
    assert f'data-key="{PUBLIC}"' in tag
    assert 'data-text-off="Bildirimleri kapat"' in tag
    assert 'data-subscribe="/bildirimler/push/abone/"' in tag and 'data-worker="/sw.js"' in tag
    assert '<script src="/static/kentmasa/push.js" defer></script>' in page

    client.logout()
    assert "push-toggle" not in client.get("/giris/").content.decode()


# --- manage.py vapid_keys ------------------------------------------------------------------------------


def test_vapid_keys_prints_a_pair_pywebpush_can_sign_with(settings):
    out = StringIO()
    call_command("vapid_keys", "--subject", SUBJECT, stdout=out, stderr=StringIO())
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert set(lines) == {"KENTMASA_VAPID_PUBLIC_KEY", "KENTMASA_VAPID_PRIVATE_KEY", "KENTMASA_VAPID_SUBJECT"}
    public, private = lines["KENTMASA_VAPID_PUBLIC_KEY"], lines["KENTMASA_VAPID_PRIVATE_KEY"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{87}", public) and unb64url(public)[0] == 4  # applicationServerKey
    signer = Vapid.from_string(private)
    assert Vapid.verify(signer.sign({"sub": SUBJECT, "aud": "https://fcm.googleapis.com"})["Authorization"])
    assert public in signer.sign({"sub": SUBJECT, "aud": "https://fcm.googleapis.com"})["Authorization"]

    settings.KENTMASA_VAPID_PUBLIC_KEY, settings.KENTMASA_VAPID_PRIVATE_KEY = public, private
    settings.KENTMASA_VAPID_SUBJECT = SUBJECT
    out = StringIO()
    call_command("vapid_keys", "--check", stdout=out)
    assert "usable" in out.getvalue()
    settings.KENTMASA_VAPID_SUBJECT = "bilgi-islem"
    with pytest.raises(CommandError, match="VAPID"):
        call_command("vapid_keys", "--check", stdout=StringIO())
