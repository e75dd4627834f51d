"""X's own deliveries, replayed: Selin's mention, her photo-only post, her quote, Emre's DMs, the CRC check.

Each fixture is an Account Activity delivery written to X's documented format (its ``_source`` names the
document). Photos are served by the local fake X: the fixtures' media hosts are pointed at it.
"""

import io
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from PIL import Image

from kentmasa.cases.models import Case
from kentmasa.channels.models import Message
from kentmasa.channels.testing import fixture_body, load_json_fixture, replay
from kentmasa.channels.x import media
from kentmasa.channels.x.tests import fake_x
from kentmasa.channels.x.tests.fake_x import OUR_ACCOUNT

pytestmark = pytest.mark.django_db

SECRET = "kentmasa-consumer-secret"
WEBHOOK = "/kanal/x/webhook/"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 15), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def x_api():
    server = fake_x.FakeX(token="user-token-of-esenlerbld").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def x_settings(settings, x_api, institution):
    settings.KENTMASA_X = {
        "CONSUMER_SECRET": SECRET,
        "BEARER_TOKEN": x_api.token,
        "ACCOUNTS": {OUR_ACCOUNT: institution.slug},
        "API_URL": x_api.url,
        "MEDIA_HOSTS": ["127.0.0.1"],
        "TIMEOUT": 5,
    }
    settings.KENTMASA_SENDERS = {"social": "kentmasa.channels.x.sender.XSender"}
    return settings.KENTMASA_X


def deliver(name: str, x_api):
    """Replay a fixture through the webhook, signed as X signs it, its photos served by the fake."""
    body = fixture_body(load_json_fixture(__file__, name)).decode()
    for host in ("https://pbs.twimg.com/media/", "https://ton.twitter.com/1.1/ton/data/dm/"):
        body = body.replace(host, f"{x_api.url}/media/").replace(
            host.replace("https", "http"), f"{x_api.url}/media/"
        )
    raw = body.encode()
    sign = lambda data: {"x-twitter-webhooks-signature": fake_x.sign(data, SECRET)}  # noqa: E731
    return replay(Client(), WEBHOOK, raw, sign=sign)


def test_the_crc_check_answers_as_xs_document_says(client):
    crc = load_json_fixture(__file__, "crc.json")
    response = client.get(WEBHOOK, {"crc_token": crc["crc_token"]})
    assert response.json() == {"response_token": crc["response_token"]}


def test_selins_mention_opens_a_case_in_a_pinned_number_of_queries(x_api, django_assert_num_queries):
    # One looks for the row of the channel (kentmasa.directory.channel_rows); the last is the live
    # event of the opening (kentmasa.notify.live).
    # +9 KVKK: the channel's current privacy notice and the record of the version given (2), and, this being
    # the institution's first opening, its default notice saved once (7 with the look-ups and savepoints).
    with django_assert_num_queries(27):
        response = deliver("tweet_mention.json", x_api)
    assert response.json() == {"received": 1}
    case = Case.objects.get()
    assert case.subject.startswith("Fevzi Çakmak Mahallesi 1043. Sokak'ta sokak lambaları")
    assert case.citizen is not None
    assert case.citizen.name == "Selin Aydın"
    assert Message.objects.get(direction="in").external_id == f"tweet:1814000000000000101@{OUR_ACCOUNT}"


def test_a_photo_only_post_is_named_for_its_photo_not_our_handle(x_api):
    x_api.photos["GTz1sokak.jpg"] = jpeg()
    assert deliver("tweet_photo.json", x_api).json() == {"received": 1}
    case = Case.objects.get()
    assert case.subject == "Fotoğraflı bildirim (X)"
    assert "EsenlerBld" not in case.subject and "EsenlerBld" not in case.description
    assert case.attachments.count() == 1


def test_a_photo_x_does_not_hand_over_is_kept_until_it_comes(x_api, operator):
    # X's media host answers 404 at first (the photo is not there yet).
    assert deliver("tweet_photo.json", x_api).json() == {"received": 1}
    case = Case.objects.get()
    assert case.subject == "Fotoğraflı bildirim (X)" and case.attachments.count() == 0
    message = Message.objects.get(direction="in")
    assert message.data["media_pending"][0]["url"].endswith("/media/GTz1sokak.jpg")
    note = case.events.get(action="comment", public=False)
    assert "henüz alınamadı" in note.note and "yeniden denenecek" in note.note

    staff = Client()
    staff.force_login(operator)
    page = staff.get(reverse("cases:detail", args=[case.tracking_number])).content.decode()
    assert f'id="message-{message.pk}"' in page and "henüz alınamadı" in page

    x_api.photos["GTz1sokak.jpg"] = jpeg()
    assert media.retry_pending_media() == 1
    assert media.retry_pending_media() == 0  # nothing left, and its turn is taken anyway
    assert case.attachments.count() == 1
    message.refresh_from_db()
    assert "media_pending" not in message.data and message.last_error == ""
    assert case.events.filter(action="comment", note__contains="sonraki bir denemede alındı").exists()


def test_a_photo_that_never_comes_is_given_up_and_shown(x_api, x_settings):
    x_settings["MEDIA_TRIES"] = 2
    deliver("tweet_photo.json", x_api)
    case = Case.objects.get()
    assert media.retry_pending_media() == 0
    message = Message.objects.get(direction="in")
    assert "media_pending" not in message.data and message.data["media_problems"]
    assert "2 denemede alınamadı" in message.last_error
    lost = case.events.get(action="comment", note__contains="2 denemede alınamadı")
    assert not lost.public


def test_a_photo_waits_its_turn_between_tries(x_api):
    deliver("tweet_photo.json", x_api)
    downloads = len([r for r in x_api.requests if r.path.startswith("/media/")])
    media.retry_pending_media()
    media.retry_pending_media()  # within ten minutes: not asked again
    assert len([r for r in x_api.requests if r.path.startswith("/media/")]) == downloads + 1
    cache.clear()  # ten minutes later
    media.retry_pending_media()
    assert len([r for r in x_api.requests if r.path.startswith("/media/")]) == downloads + 2


def test_a_quote_keeps_what_it_quotes(x_api):
    assert deliver("tweet_quote.json", x_api).json() == {"received": 1}
    case = Case.objects.get()
    assert case.subject == "bakabilir misiniz? Bizim mahallede, Menderes parkı."
    assert "@emresahin_34 gönderisinden alıntı: Oyun parkındaki kaydırak kırılmış" in case.description


def test_emres_dm_and_his_dm_with_a_photo_make_one_case(x_api):
    x_api.photos["1814000000000000202/1814000000000000950/boru.jpg"] = jpeg()
    assert deliver("dm.json", x_api).json() == {"received": 1}
    assert deliver("dm_photo.json", x_api).json() == {"received": 1}
    case = Case.objects.get()
    assert case.citizen is not None
    assert case.citizen.name == "Emre Şahin" and case.subject.startswith("Merhaba, Atışalanı Caddesi")
    assert case.attachments.count() == 1
    download = next(r for r in x_api.requests if r.path.endswith("/boru.jpg"))
    assert download.headers["Authorization"] == f"Bearer {x_api.token}"  # a DM's photo is private
    assert case.events.filter(action="comment", note="Fotoğrafı da ekliyorum").exists()


def test_a_dms_photo_is_fetched_signed_with_oauth_1a_when_the_account_has_its_keys(x_api, x_settings):
    """The fake checks the signature of a signed photo request: a wrong secret leaves the photo pending."""
    x_settings.update(
        CONSUMER_KEY=x_api.consumer_key,
        CONSUMER_SECRET=x_api.consumer_secret,
        ACCESS_TOKEN=x_api.access_token,
        ACCESS_TOKEN_SECRET="not-the-secret",
    )
    x_api.photos["1814000000000000202/1814000000000000950/boru.jpg"] = jpeg()
    deliver("dm_photo.json", x_api)
    message = Message.objects.get(direction="in")
    assert message.data["media_pending"][0]["error"] == "HTTP 401"

    x_settings["ACCESS_TOKEN_SECRET"] = x_api.access_token_secret
    cache.clear()  # its turn comes
    assert media.retry_pending_media() == 1
    assert Case.objects.get().attachments.count() == 1
    signed = [r for r in x_api.requests if r.path.endswith("/boru.jpg")]
    assert len(signed) == 2 and all(r.headers["Authorization"].startswith("OAuth ") for r in signed)


def test_every_fixture_names_its_source():
    for name in ("crc", "dm", "dm_photo", "tweet_mention", "tweet_photo", "tweet_quote"):
        assert load_json_fixture(__file__, f"{name}.json")["_source"].startswith("https://"), name
        json.dumps(load_json_fixture(__file__, f"{name}.json"))
