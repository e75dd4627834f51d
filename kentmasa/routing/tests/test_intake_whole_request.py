"""An API intake WITHOUT a category, which the trained classifier routes, takes a fixed number of queries for
the whole request: the intake, then after its commit routing (the classifier sure enough: the category and
its unit set by services.categorise, whose own event is announced in turn), the receipt and the rest of the
"open" and "categorise" events' receivers. See kentmasa/cases/tests/test_intake_whole_request.py for the
other ways in and what each count holds."""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kentmasa.cases.models import Case, Channel
from kentmasa.channels.models import Message
from kentmasa.routing.models import Prediction, RoutingFlag

CASES = "/api/v1/cases"
# The intake's own (its category not given: the service read for the deadline instead), then after its
# commit: routing reads the case with the "worked on since" question (1), the typed il and ilçe (2, in the
# test's transaction only), the classifier's row, rules and matters come from the process cache, a suggested
# category not met before from the set-up cache (1), the prediction under its savepoint (3);
# services.categorise: the locked case, its service, its save, event and live event under a savepoint (7);
# the receipt (the SMS under its savepoint and its task, in one transaction: 6); the "categorise" event:
# routing clears the "category not certain" flags (1), field looks for work orders it overtook (1).
# Before: 51.
CLASSIFIED_QUERIES = 36


@pytest.fixture
def ayse(operator) -> Client:
    out = io.StringIO()
    call_command("api_token", operator.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})


def send(client, subject, description, phone):
    body = {
        "channel": "phone",
        "subject": subject,
        "description": description,
        "citizen": {"name": "Hasan Işık", "phone": phone},
        "location": {"province": "İstanbul", "district": "Esenler"},
    }
    return client.post(CASES, json.dumps(body), content_type="application/json")


def test_an_api_intake_the_classifier_routes_in_a_fixed_number_of_queries(
    ayse, trained, sample_categories, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    settings.KENTMASA_ROUTING_THRESHOLD = 0.3
    road = "Sokağımızın asfaltı tamamen bozuldu, her yer çukur. Arabaların altı vuruyor."
    for phone in ("0533 000 00 01", "0533 000 00 02"):
        with django_capture_on_commit_callbacks(execute=True):
            assert send(ayse, "Yolda çukur", road, phone).status_code == 201

    with django_assert_num_queries(CLASSIFIED_QUERIES), django_capture_on_commit_callbacks(execute=True):
        response = send(ayse, "Yol bozuk", "Evimizin önündeki yolda derin bir çukur açıldı", "0533 000 00 09")

    assert response.status_code == 201, response.content
    case = Case.objects.get(tracking_number=response.json()["tracking_number"])
    road_category = sample_categories["Yol ve kaldırım"]
    assert (case.category, case.unit) == (road_category, road_category.unit)
    prediction = Prediction.objects.get(case=case)
    assert prediction.applied and prediction.category == road_category
    assert not RoutingFlag.objects.filter(case=case, cleared_at__isnull=True).exists()
    [receipt] = Message.objects.filter(case=case, direction=Message.Direction.OUT, event__action="open")
    assert (receipt.channel, receipt.address) == (Channel.SMS, "+905330000009")
