"""What every WhatsApp test starts from: Esenler's line configured against a Graph API on this machine
(real HTTP, see fake_graph), and Meta's side — deliveries signed with the app secret."""

from __future__ import annotations

import json

import pytest

from kentmasa.channels.edge import hmac_sha256
from kentmasa.channels.testing import fixture_body, load_json_fixture, replay
from kentmasa.channels.whatsapp.tests.fake_graph import FakeGraph

URL = "/kanal/whatsapp/webhook/"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "esenler-153-dogrulama"
ACCESS_TOKEN = "EAAG-system-user-token"
PHONE_NUMBER_ID = "106540352242922"


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac_sha256(secret, body)}


@pytest.fixture
def graph():
    fake = FakeGraph(token=ACCESS_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def whatsapp_settings(settings, graph, institution):
    settings.KENTMASA_WHATSAPP = {
        "VERIFY_TOKEN": VERIFY_TOKEN,
        "APP_SECRET": APP_SECRET,
        "ACCESS_TOKEN": ACCESS_TOKEN,
        "PHONE_NUMBERS": {PHONE_NUMBER_ID: institution.slug},
        "GRAPH_URL": graph.url,
        "TEMPLATE_NAME": "basvuru_guncellendi",
        "TEMPLATE_LANGUAGE": "tr",
        "TIMEOUT": 5,
    }
    settings.KENTMASA_SENDERS = {
        **settings.KENTMASA_SENDERS,
        "whatsapp": "kentmasa.channels.whatsapp.sender.WhatsAppSender",
    }


@pytest.fixture
def replay_fixture(client):
    """Replay a captured payload (tests/fixtures/<name>) through the real webhook, validly signed."""

    def post(name: str, change=None):
        payload = load_json_fixture(__file__, name)
        if change is not None:
            change(payload)
        return replay(client, URL, fixture_body(payload), sign=signed)

    return post


def fixture_json(name: str) -> dict:
    payload: dict = json.loads(fixture_body(load_json_fixture(__file__, name)))
    return payload
