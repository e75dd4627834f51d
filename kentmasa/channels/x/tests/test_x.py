"""X: Ali tweets at the municipality about a pothole, Zeynep writes by DM; both get answered on X.

The webhook is driven with deliveries shaped as X sends them (see fake_x), signed or not; replies go over
real HTTP to a local fake of the X API v2.
"""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.models import Case, Citizen, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels import replies, tasks
from kentmasa.channels.models import Message
from kentmasa.channels.x.tests import fake_x
from kentmasa.channels.x.tests.fake_x import OUR_ACCOUNT, OUR_HANDLE

pytestmark = pytest.mark.django_db

SECRET = "kentmasa-consumer-secret"
TOKEN = "user-access-token-of-esenlerbld"
WEBHOOK = "/kanal/x/webhook/"
ALI = ("2001", "Ali Kaya", "alikaya34")
ZEYNEP = ("2002", "Zeynep Arslan", "zeyneparslan")
MURAT = ("2003", "Murat Çelik", "muratcelik")


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def x_api():
    server = fake_x.FakeX(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def x_settings(settings, x_api, institution):
    settings.KENTMASA_X = {
        "CONSUMER_SECRET": SECRET,
        "BEARER_TOKEN": TOKEN,
        "ACCOUNTS": {OUR_ACCOUNT: institution.slug},
        "API_URL": x_api.url,
        "MEDIA_HOSTS": ["127.0.0.1"],
        "TIMEOUT": 5,
    }
    settings.KENTMASA_SENDERS = {"social": "kentmasa.channels.x.sender.XSender"}


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Post a delivery to the webhook as X does (no CSRF token, of course), signed unless told otherwise."""
    client = Client(enforce_csrf_checks=True)

    def post(payload, *, signature=None):
        body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        headers: dict[str, str] = {}
        if signature is not False:
            headers["x-twitter-webhooks-signature"] = signature or fake_x.sign(body, SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)

    return post


def send_queued():
    """What the worker does with every queued reply whose time has come."""
    for message in Message.objects.filter(direction="out", state="queued"):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.deliver(message.pk)


def alis_pothole(x_api, tweet_id="1800000000000000001"):
    x_api.photos["cukur.jpg"] = photo()
    return fake_x.tweet(
        tweet_id,
        f"@{OUR_HANDLE} Atatürk Caddesi'nde büyük çukur var &amp; araçlar zarar görüyor",
        author=ALI,
        photos=(f"{x_api.url}/media/cukur.jpg",),
    )


def test_the_crc_check_answers_with_the_hmac_of_the_token(client):
    response = client.get(WEBHOOK, {"crc_token": "crc-token-1"})
    # printf crc-token-1 | openssl dgst -sha256 -hmac kentmasa-consumer-secret -binary | base64
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=TkMOwIm+FbcK7hyeQ0RjF3h7Mv9wHpdfgBqT53BBrCE="}
    assert client.get(WEBHOOK).status_code == 400


def test_without_a_consumer_secret_the_webhook_answers_nothing(client, settings):
    settings.KENTMASA_X = {**settings.KENTMASA_X, "CONSUMER_SECRET": ""}
    assert client.get(WEBHOOK, {"crc_token": "crc-token-1"}).status_code == 503


def test_alis_mention_opens_a_case_with_his_photo_once(deliver, x_api):
    payload = fake_x.mention(alis_pothole(x_api))
    response = deliver(payload)
    assert response.status_code == 200 and response.json() == {"received": 1}
    case = Case.objects.get()
    assert case.citizen is not None
    assert (case.channel, case.status, case.citizen.name) == ("social", Status.NEW, "Ali Kaya")
    assert case.subject == "Atatürk Caddesi'nde büyük çukur var & araçlar zarar görüyor"
    assert case.attachments.count() == 1
    assert case.received_at == dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.UTC)  # when Ali tweeted
    message = Message.objects.get(direction="in")
    assert message.external_id == f"tweet:1800000000000000001@{OUR_ACCOUNT}"
    assert (message.address, message.thread_key) == ("2001", "1800000000000000001")
    assert message.data["dm"] is False and message.data["screen_name"] == "alikaya34"

    # X delivers it again: nothing new, and the photo is not downloaded a second time.
    photo_downloads = len(x_api.requests)
    again = deliver(payload)
    assert again.status_code == 200 and again.json() == {"received": 0}
    assert Case.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1
    assert len(x_api.requests) == photo_downloads


def test_deliveries_without_the_right_signature_are_refused_and_write_nothing(deliver, x_api):
    payload = fake_x.mention(alis_pothole(x_api))
    assert deliver(payload, signature=False).status_code == 403
    assert deliver(payload, signature="sha256=" + "A" * 44).status_code == 403
    assert deliver(payload, signature=fake_x.sign(b"another body", SECRET)).status_code == 403
    assert not Case.objects.exists() and not Message.objects.exists()
    assert x_api.requests == []


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"tweet_create_events": []}).encode(),  # whose activity?
        json.dumps({"for_user_id": OUR_ACCOUNT, "tweet_create_events": [{"text": "no id"}]}).encode(),
        json.dumps({"for_user_id": OUR_ACCOUNT, "tweet_create_events": "not a list of tweets"}).encode(),
    ],
)
def test_malformed_deliveries_get_a_clear_400_and_write_nothing(deliver, body):
    response = deliver(body)
    assert response.status_code == 400 and response.json()["error"]
    assert not Message.objects.exists() and not Case.objects.exists()


def test_our_own_tweets_retweets_and_tweets_not_for_us_are_ignored(deliver, x_api):
    ours = fake_x.tweet(
        "1800000000000000010",
        "Yarın Esenler'de su kesintisi olacaktır.",
        author=(OUR_ACCOUNT, "Esenler", OUR_HANDLE),
    )
    original = alis_pothole(x_api, "1800000000000000011")
    retweet = fake_x.tweet(
        "1800000000000000012",
        f"RT @alikaya34: @{OUR_HANDLE} Atatürk Caddesi'nde büyük çukur var",
        author=MURAT,
        retweet_of=original,
    )
    elsewhere = fake_x.tweet("1800000000000000013", "Güzel bir gün", author=MURAT, mentions=())
    response = deliver(fake_x.mention(ours, retweet, elsewhere))
    assert response.status_code == 200 and response.json() == {"received": 0}
    assert not Message.objects.exists() and not Case.objects.exists()


def test_an_unknown_account_is_acknowledged_and_ignored(deliver, x_api):
    response = deliver(fake_x.mention(alis_pothole(x_api), account="999"))
    assert response.status_code == 200 and response.json()["received"] == 0
    assert not Message.objects.exists()


def test_alis_reply_in_his_thread_joins_his_case_but_a_strangers_does_not(deliver, x_api):
    deliver(fake_x.mention(alis_pothole(x_api)))
    case = Case.objects.get()
    follow_up = fake_x.tweet(
        "1800000000000000002",
        f"@{OUR_HANDLE} Hâlâ duruyor, bugün bir araç daha zarar gördü",
        author=ALI,
        in_reply_to=("1800000000000000001", ALI[0]),
    )
    stranger = fake_x.tweet(
        "1800000000000000003",
        f"@alikaya34 @{OUR_HANDLE} Bizim sokakta da aynısı var",
        author=MURAT,
        mentions=((ALI[0], "alikaya34"), (OUR_ACCOUNT, OUR_HANDLE)),
        in_reply_to=("1800000000000000001", ALI[0]),
    )
    assert deliver(fake_x.mention(follow_up, stranger)).json() == {"received": 2}
    assert case.events.filter(action="comment", note="Hâlâ duruyor, bugün bir araç daha zarar gördü").exists()
    murats = Case.objects.exclude(pk=case.pk).get()
    assert murats.citizen is not None
    assert murats.subject == "Bizim sokakta da aynısı var" and murats.citizen.name == "Murat Çelik"
    # Both tweets belong to the same X conversation.
    assert set(Message.objects.values_list("thread_key", flat=True)) == {"1800000000000000001"}


def test_zeyneps_dm_opens_a_case_and_her_next_dm_joins_it(deliver, x_api):
    x_api.photos["dm.jpg"] = photo()
    first = fake_x.direct_message(
        "1900000000000000001",
        "Merhaba, Menderes Mahallesi'ndeki parkta salıncak kırık.",
        sender=ZEYNEP,
        photo=f"{x_api.url}/media/dm.jpg",
    )
    assert deliver(first).json() == {"received": 1}
    case = Case.objects.get()
    assert case.citizen is not None
    assert (case.channel, case.citizen.name) == ("social", "Zeynep Arslan")
    assert case.attachments.count() == 1
    # The photo of a DM is private: it is fetched with the account's token.
    download = next(r for r in x_api.requests if r.path == "/media/dm.jpg")
    assert download.headers["Authorization"] == f"Bearer {TOKEN}"
    message = Message.objects.get(direction="in")
    assert message.external_id == "dm:1900000000000000001" and message.data["dm"] is True
    assert message.thread_key == f"{ZEYNEP[0]}-{OUR_ACCOUNT}"

    second = fake_x.direct_message("1900000000000000002", "Çocuklar için tehlikeli.", sender=ZEYNEP)
    ours = fake_x.direct_message(
        "1900000000000000003",
        "Teşekkürler, ilettik.",
        sender=(OUR_ACCOUNT, "Esenler", OUR_HANDLE),
        recipient=ZEYNEP[0],
    )
    assert deliver(second).json() == {"received": 1}
    assert deliver(ours).json() == {"received": 0}
    assert Case.objects.count() == 1
    assert case.events.filter(action="comment", note="Çocuklar için tehlikeli.").exists()
    # Nobody else becomes a citizen of the case by writing to it.
    assert Citizen.objects.count() == 1


def test_a_dm_quoting_a_tracking_number_joins_that_case_even_after_it_was_resolved(deliver, x_api):
    deliver(fake_x.mention(alis_pothole(x_api)))
    case = services.resolve(Case.objects.get(), actor=None, resolution="Çukur asfaltlandı.")
    number = format_tracking_number(case.tracking_number)
    asking = fake_x.direct_message(
        "1900000000000000010", f"{number} için yanıtı öğrenebilir miyim?", sender=ALI
    )
    assert deliver(asking).json() == {"received": 1}
    assert Case.objects.count() == 1
    assert case.events.filter(action="comment", note__startswith=number).exists()


def test_a_dm_case_is_answered_by_dm_with_the_full_text(deliver, x_api, django_capture_on_commit_callbacks):
    deliver(fake_x.direct_message("1900000000000000001", "Parkta salıncak kırık.", sender=ZEYNEP))
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case, actor=None, resolution="Salıncak yenisiyle değiştirildi.")
    send_queued()
    dms = [r for r in x_api.api_calls() if r.path.startswith("/2/dm_conversations/")]
    assert [r.path for r in dms] == [f"/2/dm_conversations/with/{ZEYNEP[0]}/messages"] * 2  # open, resolve
    assert dms[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert case.verification_code in dms[0].body["text"]
    assert "Salıncak yenisiyle değiştirildi." in dms[1].body["text"]
    assert not [r for r in x_api.api_calls() if r.path == "/2/tweets"]
    sent = Message.objects.get(direction="out", template="resolve")
    assert sent.state == "sent" and sent.external_id.startswith("dm:")


def test_a_mention_gets_public_replies_in_its_thread_without_personal_data(
    deliver, x_api, django_capture_on_commit_callbacks
):
    deliver(fake_x.mention(alis_pothole(x_api)))
    case = Case.objects.get()
    # The operator later learns Ali's phone number; the unit's answer names him and his address.
    assert case.citizen is not None
    case.citizen.phone = "+905321234567"
    case.citizen.save()
    resolution = "Ali Kaya'nın (0532 123 45 67) Atatürk Cad. No 12 önündeki çukuru kapatıldı."
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case, actor=None, resolution=resolution)
    send_queued()

    tweets = [r for r in x_api.api_calls() if r.path == "/2/tweets"]
    assert len(tweets) == 2  # received, resolved
    number = format_tracking_number(case.tracking_number)
    for request in tweets:
        text = request.body["text"]
        assert request.body["reply"] == {"in_reply_to_tweet_id": "1800000000000000001"}
        assert number in text and len(text) <= 280
        for private in ("Ali", "Kaya", "0532", "5321234567", "Atatürk", "çukur", case.verification_code):
            assert private not in text
    assert not [r for r in x_api.api_calls() if r.path.startswith("/2/dm_conversations/")]
    resolved = Message.objects.get(direction="out", template="resolve")
    assert resolved.state == "sent" and resolved.external_id.startswith("tweet:")

    # Ali answers our reply tweet: it joins his case.
    our_tweet_id = resolved.external_id.removeprefix("tweet:")
    thanks = fake_x.tweet(
        "1800000000000000005",
        f"@{OUR_HANDLE} Teşekkürler!",
        author=ALI,
        in_reply_to=(our_tweet_id, OUR_ACCOUNT),
    )
    assert deliver(fake_x.mention(thanks)).json() == {"received": 1}
    assert Case.objects.count() == 1 and case.events.filter(action="comment", note="Teşekkürler!").exists()


def test_a_rate_limited_reply_is_retried_and_a_refused_one_is_given_up(deliver, x_api):
    x_api.fail_next(429)
    deliver(fake_x.mention(alis_pothole(x_api)))
    reply = Message.objects.get(direction="out", template="open")
    assert tasks.deliver(reply.pk) == "queued"
    reply.refresh_from_db()
    assert reply.attempts == 1 and "429" in reply.last_error
    send_queued()
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == ("sent", 2)
    assert len([r for r in x_api.api_calls() if r.path == "/2/tweets"]) == 2

    x_api.fail_next(403)
    case = services.ask_citizen(Case.objects.get(), actor=None, question="Kapı numarası nedir?")
    asking = replies.make_reply(case, case.events.get(action="ask_citizen"))
    assert asking is not None
    assert tasks.deliver(asking.pk) == "failed"


def test_an_expired_token_is_retried_after_the_refresh(deliver, x_api, settings):
    settings.KENTMASA_X = {**settings.KENTMASA_X, "BEARER_TOKEN": "expired"}
    deliver(fake_x.mention(alis_pothole(x_api)))
    reply = Message.objects.get(direction="out", template="open")
    assert tasks.deliver(reply.pk) == "queued"
    reply.refresh_from_db()
    assert "401" in reply.last_error
    settings.KENTMASA_X = {**settings.KENTMASA_X, "BEARER_TOKEN": TOKEN}
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=timezone.now())
    assert tasks.deliver(reply.pk) == "sent"


def test_a_reply_long_after_the_case_closed_opens_a_case_of_the_same_person_and_is_acknowledged(
    deliver, x_api, django_capture_on_commit_callbacks
):
    deliver(fake_x.mention(alis_pothole(x_api)))
    case = Case.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case, actor=None, resolution="Çukur asfaltlandı.")
    long_ago = timezone.now() - dt.timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(resolved_at=long_ago)
    again = fake_x.tweet(
        "1800000000000000009",
        f"@{OUR_HANDLE} Çukur yine açıldı",
        author=ALI,
        in_reply_to=("1800000000000000001", ALI[0]),
    )
    assert deliver(fake_x.mention(again)).json() == {"received": 1}
    new = Case.objects.exclude(pk=case.pk).get()
    assert new.follows_id == case.pk
    # The new case is Ali's (the person of the case it follows), and he hears that it was opened.
    assert new.citizen is not None and new.citizen.name == "Ali Kaya"
    assert Message.objects.filter(direction="out", case=new, template="open").exists()
