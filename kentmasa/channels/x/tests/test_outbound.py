"""Answering on X as X allows it: signed in user context, never the same text twice, within the plan.

Ali tweets at the municipality; the answers go to the local fake X, which checks OAuth 1.0a signatures,
refuses an app-only Bearer token (403 "Unsupported Authentication"), duplicate texts, and, like a
self-serve plan since 2026, replies to posts that did not mention or quote the account.
"""

import pytest
import requests
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Case
from kentmasa.channels import tasks
from kentmasa.channels.models import Message
from kentmasa.channels.testing import fixture_body, load_json_fixture, replay
from kentmasa.channels.x import client
from kentmasa.channels.x.options import UserBearer, UserContext
from kentmasa.channels.x.sender import public_text
from kentmasa.channels.x.tests import fake_x
from kentmasa.channels.x.tests.fake_x import OUR_ACCOUNT

pytestmark = pytest.mark.django_db

SECRET = "kentmasa-consumer-secret"


def authorization(request: requests.PreparedRequest) -> str:
    value = request.headers["Authorization"]  # requests-oauthlib leaves it as bytes
    return value.decode() if isinstance(value, bytes) else value


def test_the_signature_of_xs_documented_example():
    """X's "Creating a signature" example (developer.x.com, OAuth 1.0a), byte for byte.

    The request is signed by :func:`client.auth`, the configuration every reply and private photo uses,
    with the example's nonce and timestamp.
    """
    signer = UserContext(
        consumer_key="xvz1evFS4wEEPTGEFPHBog",
        consumer_secret="kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )
    auth = client.auth(signer, nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp="1318622958")
    request = requests.Request(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        data={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
        auth=auth,
    ).prepare()
    header = authorization(request)
    assert header.startswith("OAuth ")
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header
    fields = fake_x.oauth_fields(header)
    assert fields["oauth_signature"] == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
    assert fields["oauth_signature_method"] == "HMAC-SHA1" and fields["oauth_version"] == "1.0"
    # The body is sent as it was, not moved into the query or the header.
    assert request.body == b"status=Hello+Ladies+%2B+Gentlemen%2C+a+signed+OAuth+request%21"
    assert request.url == "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"


def test_a_json_body_is_not_signed_and_the_signature_is_fresh_each_time():
    """X's v2 API takes JSON, which OAuth 1.0a leaves out of the signature (RFC 5849 3.4.1.3)."""
    signer = UserContext("consumer", "consumer-secret", "token", "token-secret")
    url = "https://api.x.com/2/tweets"

    def signed(body: dict, **fixed: str) -> str:
        request = requests.Request("POST", url, json=body, auth=client.auth(signer, **fixed)).prepare()
        return fake_x.oauth_fields(authorization(request))["oauth_signature"]

    fixed = {"nonce": "n0nce", "timestamp": "1318622958"}
    assert signed({"text": "a"}, **fixed) == signed({"text": "b"}, **fixed)
    assert signed({"text": "a"}) != signed({"text": "a"})  # a new nonce and timestamp every time


def test_an_oauth_2_user_token_is_sent_as_a_bearer_token():
    request = requests.Request(
        "GET", "https://api.x.com/2/users/me", auth=client.auth(UserBearer("t0k"))
    ).prepare()
    assert authorization(request) == "Bearer t0k"


@pytest.fixture
def x_api():
    server = fake_x.FakeX().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def x_settings(settings, x_api, institution):
    settings.KENTMASA_X = {
        "CONSUMER_KEY": x_api.consumer_key,
        "CONSUMER_SECRET": SECRET,
        "ACCESS_TOKEN": x_api.access_token,
        "ACCESS_TOKEN_SECRET": x_api.access_token_secret,
        "ACCOUNTS": {OUR_ACCOUNT: institution.slug},
        "API_URL": x_api.url,
        "MEDIA_HOSTS": ["127.0.0.1"],
        "TIMEOUT": 5,
    }
    settings.KENTMASA_SENDERS = {"social": "kentmasa.channels.x.sender.XSender"}
    return settings.KENTMASA_X


@pytest.fixture
def selins_case(client, django_capture_on_commit_callbacks):
    body = fixture_body(load_json_fixture(__file__, "tweet_mention.json"))
    with django_capture_on_commit_callbacks(execute=True):
        response = replay(
            client,
            "/kanal/x/webhook/",
            body,
            sign=lambda raw: {"x-twitter-webhooks-signature": fake_x.sign(raw, SECRET)},
        )
    assert response.json() == {"received": 1}
    return Case.objects.get()


def send_queued() -> list[str]:
    states = []
    for message in Message.objects.filter(direction="out", state="queued").order_by("pk"):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        states.append(tasks.deliver(message.pk))
    return states


def test_replies_are_signed_with_oauth_1a_user_context(selins_case, x_api):
    assert send_queued() == ["sent"]
    (tweet,) = [r for r in x_api.api_calls() if r.path == "/2/tweets"]
    fields = fake_x.oauth_fields(tweet.headers["Authorization"])
    assert fields["oauth_consumer_key"] == x_api.consumer_key and fields["oauth_token"] == x_api.access_token
    assert fields["oauth_signature_method"] == "HMAC-SHA1"
    assert tweet.body["reply"] == {"in_reply_to_tweet_id": "1814000000000000101"}


def test_a_wrong_token_secret_is_refused_by_the_fake(selins_case, x_api, x_settings):
    x_settings["ACCESS_TOKEN_SECRET"] = "not-the-secret"
    assert send_queued() == ["queued"]  # 401: worth another try once the keys are fixed
    assert "401" in Message.objects.get(direction="out").last_error


def test_an_app_only_bearer_token_is_refused_for_good_and_staff_are_told(selins_case, x_api, x_settings):
    for key in ("CONSUMER_KEY", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"):
        x_settings[key] = ""
    x_settings["BEARER_TOKEN"] = x_api.app_token
    assert send_queued() == ["failed"]
    reply = Message.objects.get(direction="out")
    assert reply.next_attempt_at is None and reply.attempts == 1
    assert "app-only" in reply.last_error and "KENTMASA_X_ACCESS_TOKEN" in reply.last_error
    note = selins_case.events.filter(action="comment", public=False).last()
    assert "yalnızca uygulamaya ait" in note.note


def test_a_repeated_public_reply_gets_a_counter_so_x_takes_it(
    selins_case, x_api, operator, roads, parks, django_capture_on_commit_callbacks
):
    send_queued()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.transfer(selins_case, actor=operator, unit=roads)
    send_queued()
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer(case, actor=operator, unit=parks)
    assert send_queued() == ["sent"]
    first, second = [r.body["text"] for r in x_api.api_calls() if r.path == "/2/tweets"][1:]
    assert second == f"{first} (2)"


def test_a_duplicate_x_refuses_is_shown_to_staff(selins_case, x_api):
    """Posted before by hand, say: X refuses the same text again, and staff read why on the case."""
    reply = Message.objects.get(direction="out")
    x_api.posted.append(public_text(reply))
    assert send_queued() == ["failed"]
    reply.refresh_from_db()
    assert "tekrarı olduğu için reddetti" in reply.last_error and reply.next_attempt_at is None
    assert selins_case.events.filter(action="comment", public=False, note__contains="tekrarı").exists()


def test_a_reply_the_plan_does_not_allow_is_shown_to_staff_in_turkish(selins_case, x_api):
    x_api.summoned_only = True  # and Selin's tweet is not among those that summoned us
    assert send_queued() == ["failed"]
    reply = Message.objects.get(direction="out")
    assert "yalnızca kendisini anan ya da alıntılayan" in reply.last_error
    assert selins_case.events.filter(action="comment", public=False, note__contains="self-serve").exists()


def test_a_reply_to_a_post_that_summoned_us_goes_through_on_a_self_serve_plan(selins_case, x_api):
    x_api.summoned_only = True
    x_api.summoned.add("1814000000000000101")
    assert send_queued() == ["sent"]
