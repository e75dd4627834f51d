"""The exchange rings Ayşe at extension 101: her console shows Mehmet Kaya's history; Burak's does not."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from kentmasa.cases.models import Citizen
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels.models import IncomingCall
from kentmasa.directory.models import ApiToken, User

pytestmark = pytest.mark.django_db

CALL = "/kanal/santral/cagri/"
PENDING = "/kanal/santral/bekleyen/"


@pytest.fixture
def exchange(make_user):
    """The account the telephone exchange's token belongs to."""
    account = make_user(User.Role.ADMINISTRATOR, "santral")
    return ApiToken.issue(account, "Santral")[1]


@pytest.fixture
def ayse(make_user):
    user = make_user(User.Role.OPERATOR, "ayse")
    user.phone_extension = "101"
    user.save()
    return user


@pytest.fixture
def burak(make_user):
    user = make_user(User.Role.OPERATOR, "burak")
    user.phone_extension = "102"
    user.save()
    return user


@pytest.fixture
def mehmet(institution, make_case):
    citizen = Citizen.objects.create(
        institution=institution, name="Mehmet Kaya", phone="+905321234567", tc_kimlik="10000000146"
    )
    return make_case(citizen=citizen, subject="Sokak lambası yanmıyor")


def announce(client, token, **payload):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(CALL, json.dumps(payload), content_type="application/json", headers=headers)


def poll(client, user):
    client.force_login(user)
    return client.get(PENDING)


def test_the_exchange_needs_a_token(client, exchange, ayse):
    assert announce(client, None, caller="05321234567", extension="101").status_code == 401
    response = announce(client, "km_not-a-real-token", caller="05321234567", extension="101")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    response = client.post(
        CALL, {"caller": "05321234567", "extension": "101"}, headers={"Authorization": "Basic eDp5"}
    )
    assert response.status_code == 401
    assert not IncomingCall.objects.exists()


def test_a_unit_staff_token_may_not_announce_calls(client, road_staff):
    token = ApiToken.issue(road_staff)[1]
    assert announce(client, token, caller="05321234567", extension="101").status_code == 403
    assert not IncomingCall.objects.exists()


def test_the_operator_at_the_extension_sees_the_callers_history_once(client, exchange, ayse, burak, mehmet):
    response = announce(client, exchange, caller="0532 123 45 67", extension="101", call_id="1700000000.1")

    assert response.status_code == 202
    assert response.json() == {"extension": "101", "stored": True, "operator_at_extension": True}
    call = IncomingCall.objects.get()
    assert (call.extension, call.caller_phone, call.answered_by) == ("101", "+905321234567", None)

    assert poll(client, burak).status_code == 204  # another extension: nothing pops

    pop = poll(client, ayse)
    assert pop.status_code == 200
    html = pop.content.decode()
    assert 'id="screenpop-call"' in html and "0532 123 45 67" in html
    assert "Mehmet Kaya" in html and "100******46" in html
    assert format_tracking_number(mehmet.tracking_number) in html and "Sokak lambası yanmıyor" in html
    call.refresh_from_db()
    assert call.answered_by == ayse and call.answered_at is not None

    assert poll(client, ayse).status_code == 204  # popped once; the console keeps what it shows


def test_a_call_to_an_extension_nobody_has_is_stored_but_pops_nowhere(client, exchange, ayse, burak, mehmet):
    response = announce(client, exchange, caller="05321234567", extension="199")
    assert response.status_code == 202 and response.json()["operator_at_extension"] is False
    assert IncomingCall.objects.get().extension == "199"
    assert poll(client, ayse).status_code == 204
    assert poll(client, burak).status_code == 204


def test_an_unknown_caller_pops_with_a_new_caller_button(client, exchange, ayse):
    announce(client, exchange, caller="+90 212 440 11 90", extension="101")
    html = poll(client, ayse).content.decode()
    assert "(0212) 440 11 90" in html and 'id="pick-caller-new"' in html


def test_each_new_call_pops_again_but_a_repeated_delivery_does_not(client, exchange, ayse, mehmet):
    announce(client, exchange, caller="05321234567", extension="101", call_id="a")
    assert poll(client, ayse).status_code == 200

    again = announce(client, exchange, caller="05321234567", extension="101", call_id="a")
    assert again.status_code == 200 and again.json()["stored"] is False
    assert poll(client, ayse).status_code == 204

    announce(client, exchange, caller="05059876543", extension="101", call_id="b")
    assert IncomingCall.objects.count() == 1
    pop = poll(client, ayse)
    assert pop.status_code == 200 and "0505 987 65 43" in pop.content.decode()


def test_a_call_nobody_polled_in_time_does_not_pop_later(client, exchange, ayse, settings):
    settings.KENTMASA_SCREENPOP_SECONDS = 30
    announce(client, exchange, caller="05321234567", extension="101")
    IncomingCall.objects.update(at=timezone.now() - dt.timedelta(seconds=31))
    assert poll(client, ayse).status_code == 204


def test_the_exchange_may_send_a_form(client, exchange, ayse):
    response = client.post(
        CALL, {"from": "0532 123 45 67", "to": "101"}, headers={"Authorization": f"Bearer {exchange}"}
    )
    assert response.status_code == 202
    assert IncomingCall.objects.get().caller_phone == "+905321234567"


@pytest.mark.parametrize(
    "payload",
    [
        {"caller": "05321234567"},
        {"caller": "05321234567", "extension": "10 1; DROP"},
        {"caller": "not a number", "extension": "101"},
        {"extension": "101"},
    ],
)
def test_bad_calls_are_refused_and_nothing_is_written(client, exchange, payload):
    response = announce(client, exchange, **payload)
    assert response.status_code == 400 and response.json()["detail"]
    assert not IncomingCall.objects.exists()


def test_a_body_that_is_not_json_is_refused(client, exchange):
    response = client.post(
        CALL, "{caller", content_type="application/json", headers={"Authorization": f"Bearer {exchange}"}
    )
    assert response.status_code == 400 and not IncomingCall.objects.exists()


def test_the_console_polls_only_for_an_operator_with_an_extension(client, ayse, operator):
    client.force_login(ayse)
    page = client.get("/konsol/").content.decode()
    assert 'hx-get="/kanal/santral/bekleyen/"' in page and 'hx-trigger="every 2s"' in page

    client.force_login(operator)  # no extension set
    page = client.get("/konsol/").content.decode()
    assert "/kanal/santral/bekleyen/" not in page
    assert poll(client, operator).status_code == 204


def test_the_console_looks_up_a_number_given_in_the_address(client, ayse):
    client.force_login(ayse)
    page = client.get("/konsol/?telefon=0532 123 45 67").content.decode()
    assert 'id="screenpop-prefill"' in page
    assert "/konsol/arayan?q=0532%20123%2045%2067" in page


def test_unit_staff_cannot_poll(client, road_staff):
    assert poll(client, road_staff).status_code == 403
