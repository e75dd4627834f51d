"""A new case's WHOLE request takes a fixed number of queries: the intake's own, and what runs in the same
request after its commit — the "open" event's receivers (kentmasa.cases.signals.case_event): routing
(kentmasa.routing.intake), the citizen's receipt (kentmasa.channels.replies: the outbound message and its
sending task), notification and approval rules (kentmasa.notify) and the field app (kentmasa.field).

Each measured request follows two like it, run to the end as well, so what a process keeps (the token's
first use, the institution's set-up, routing rules, reply templates, answer rules: kentmasa.lib.process_cache)
is warm, as in a running server. The counts are exact and the same on SQLite and PostgreSQL. Inside the
test's transaction the places index is checked for freshness on every look-up (it is not, every few
seconds only, in a server) and the transactions are savepoints.

The classifier's path (an API intake without a category) is pinned in
kentmasa/routing/tests/test_intake_whole_request.py, where the trained classifier's fixtures live.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kentmasa.cases.models import Case, Channel
from kentmasa.cases.tests import test_api_queries
from kentmasa.cases.tests.test_api import new_case
from kentmasa.cases.tests.test_api_queries import CASES, NEW_CALLER, record
from kentmasa.channels.models import Message
from kentmasa.channels.sms.tests import test_sms
from kentmasa.channels.sms.tests.test_sms import post

# The fixtures of the modules whose requests these are: the operator's API token, the fake Netgsm and its
# settings.
ayse = test_api_queries.ayse
netgsm = test_sms.netgsm
sms_settings = test_sms.sms_settings

# The API intake with a category: its 14 queries (kentmasa/cases/tests/test_api_queries.py, the answer's
# read-back among them), then after the commit: routing reads the case with the question whether anybody
# worked on it since (1); the places index's freshness and the typed il and ilçe (3, in the test's
# transaction only: a server checks the index every few seconds); routing rules, other bodies' matters,
# competence and the classifier's row come from the process cache (0). The receipt: answer rules and reply
# templates from the process cache, the contacts given and the privacy notice shown from the "open" event in
# hand, no message looked for on a channel we cannot send on, no thread key on SMS (0); the SMS (under its
# own savepoint) and its sending task in one transaction (5). Field and notify have nothing to do on an
# opening (0). Before: 36.
API_WITH_CATEGORY_QUERIES = 24
# The public form: its 31 queries (test_query_counts.py), then the same receivers as above, and the SMS
# limits of a number nobody proved (kentmasa.lib.lockout in the database cache: two counts and two tallies,
# 34). Before: 88.
PUBLIC_FORM_QUERIES = 76
# An SMS to the institution's number: the webhook's queries, then the receivers: routing raises "category not
# certain" (the flag under a savepoint: 3), the receipt goes back to the number the case came from (the
# message it came with is looked up: 1). Before: 41.
SMS_QUERIES = 31


def whole(django_capture_on_commit_callbacks, send, *args, **kwargs):
    """``send(*args, **kwargs)`` with what runs after its commit run too, as in a server."""
    with django_capture_on_commit_callbacks(execute=True):
        return send(*args, **kwargs)


def receipts(case: Case) -> list[Message]:
    return list(Message.objects.filter(case=case, direction=Message.Direction.OUT, event__action="open"))


def test_an_api_intake_with_a_category_in_a_fixed_number_of_queries(
    ayse, category, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for subject, phone in (("Kaldırım taşı kırık", "0533 000 00 01"), ("Kaldırım çökük", "0533 000 00 02")):
        caller = {"name": "Hasan Işık", "phone": phone}
        answer = whole(django_capture_on_commit_callbacks, record, ayse, category, subject, caller=caller)
        assert answer.status_code == 201

    with django_assert_num_queries(API_WITH_CATEGORY_QUERIES):
        response = whole(
            django_capture_on_commit_callbacks,
            record,
            ayse,
            category,
            "Kaldırım taşı yine kırık",
            caller=NEW_CALLER,
        )

    assert response.status_code == 201, response.content
    case = Case.objects.get(tracking_number=response.json()["tracking_number"])
    assert (case.category, case.unit) == (category, category.unit)
    [receipt] = receipts(case)
    assert (receipt.channel, receipt.address) == (Channel.SMS, "+905331112233")
    assert str(case.tracking_number) in receipt.body.replace("-", "")


def test_the_public_form_in_a_fixed_number_of_queries(
    client,
    institution,
    category,
    settings,
    tmp_path,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    from kentmasa.cases.tests.test_public import application

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.example.org"
    url = reverse("public:form", args=[institution.slug])
    for phone in ("0532 123 45 60", "0532 123 45 61"):
        sent = whole(django_capture_on_commit_callbacks, client.post, url, application(category, phone=phone))
        assert sent.status_code == 302

    with django_assert_num_queries(PUBLIC_FORM_QUERIES):
        response = whole(
            django_capture_on_commit_callbacks,
            client.post,
            url,
            application(category, phone="0532 123 45 99"),
        )

    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert (case.category, case.unit, case.channel) == (category, category.unit, Channel.WEB)
    [receipt] = receipts(case)
    assert (receipt.channel, receipt.address) == (Channel.SMS, "+905321234599")
    assert "/kvkk/a/" in receipt.body  # the privacy notice the applicant was shown, linked


def sms(number: str, message_id: str, text: str) -> dict:
    return {"message_id": message_id, "from": number, "to": "4440153", "text": text}


def test_an_sms_intake_in_a_fixed_number_of_queries(
    client, institution, sms_settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for index in (1, 2):
        answer = whole(
            django_capture_on_commit_callbacks,
            post,
            client,
            sms(f"0532 100 00 0{index}", f"in-{index}", "Sokak lambası yanmıyor"),
        )
        assert answer.status_code == 200 and answer.json()["status"] == "accepted"

    with django_assert_num_queries(SMS_QUERIES):
        answer = whole(
            django_capture_on_commit_callbacks,
            post,
            client,
            sms("0532 100 00 09", "in-9", "Parktaki bank kırık\nÇocuk parkında"),
        )

    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    case = Case.objects.get(tracking_number=answer.json()["case"])
    assert (case.channel, case.subject) == (Channel.SMS, "Parktaki bank kırık")
    [receipt] = receipts(case)
    assert (receipt.channel, receipt.address) == (Channel.SMS, "+905321000009")


@pytest.mark.parametrize("twice", [False, True])
def test_the_receipt_is_made_once_per_event(ayse, category, django_capture_on_commit_callbacks, twice):
    """An "open" event announced twice (a replay) still makes one receipt."""
    from kentmasa.cases.models import Event
    from kentmasa.cases.signals import case_event

    answer = whole(django_capture_on_commit_callbacks, record, ayse, category, "Kaldırım taşı kırık")
    case = Case.objects.get(tracking_number=answer.json()["tracking_number"])
    if twice:
        opened = Event.objects.get(case=case, action="open")
        case_event.send(sender=Case, case=case, event=opened)
    assert len(receipts(case)) == 1


def test_json_is_json(ayse, category):
    assert json.loads(record(ayse, category, "Kaldırım").content)["category"]["id"] == category.pk


def reads_of_cases(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('SELECT "cases_case"."id"') for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_the_case_as_stored_whether_or_not_it_is_read_again(ayse, category, parks):
    """With real commits the receivers run inside the request, before the answer. When nothing but the
    opening was announced the case in hand is answered (not read again) and says what reading it says;
    when routing moved it (a rule's unit) the answer shows where it went."""
    from kentmasa.routing.models import RoutingRule

    location = {"latitude": "41.038210", "longitude": "28.889120", "province": "İstanbul"}
    body = {**new_case(category, subject="Kaldırım taşı kırık", citizen=NEW_CALLER), "location": location}
    with CaptureQueriesContext(connection) as queries:
        created = ayse.post(CASES, json.dumps(body), content_type="application/json").json()
    assert reads_of_cases(queries) == 1  # routing's; the answer's case is the one in hand
    stored = ayse.get(f"{CASES}/{created['tracking_number']}").json()
    created.pop("verification_code")
    assert created == stored
    assert created["unit"]["id"] == category.unit_id and created["location"]["latitude"] == 41.03821

    RoutingRule.objects.create(institution=category.institution, keywords="ağaç", unit=parks)
    body = new_case(category, subject="Ağaç kaldırımı kırdı", citizen=NEW_CALLER)
    with CaptureQueriesContext(connection) as queries:
        routed = ayse.post(CASES, json.dumps(body), content_type="application/json").json()
    assert reads_of_cases(queries) == 3  # routing's, the transfer's locked read, the answer's
    assert routed["unit"]["id"] == parks.pk
    stored = ayse.get(f"{CASES}/{routed['tracking_number']}").json()
    routed.pop("verification_code")
    assert routed == stored
