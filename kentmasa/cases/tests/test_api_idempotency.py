"""Ayşe's call-centre software records a case; the answer is lost on the way back and the software sends it
again with the same Idempotency-Key. The citizen gets one case, one tracking number, one SMS.
"""

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connections, transaction
from django.test import Client

from kentmasa.cases.models import ApiIdempotencyKey, Case, Citizen, Event
from kentmasa.directory.models import Category, User

CASES = "/api/v1/cases"


def token_for(user: User) -> str:
    out = io.StringIO()
    call_command("api_token", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def client_for(token: str) -> Client:
    return Client(headers={"authorization": f"Bearer {token}"})


def record(client: Client, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(CASES, json.dumps(body), content_type="application/json", headers=headers)


def pothole(chosen: Category, **overrides) -> dict:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "subject": "Okul önünde çukur",
        "description": "Menderes Mahallesi, okulun önünde derin bir çukur var.",
        "category": chosen.pk,
        "citizen": {"name": "Mehmet Kaya", "phone": "0532 123 45 67"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def ayse(operator):
    return client_for(token_for(operator))


def test_a_retry_after_a_lost_answer_gets_the_first_case(ayse, category):
    first = record(ayse, pothole(category), key="alo153-call-4711")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first.headers
    # The answer never reached the call-centre software; it sends the same request again.
    retry = record(ayse, pothole(category), key="alo153-call-4711")

    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    case = Case.objects.get()
    assert retry.json()["tracking_number"] == case.tracking_number
    assert retry.json()["verification_code"] == case.verification_code
    assert Citizen.objects.count() == 1
    assert Event.objects.filter(case=case).count() == 1


def test_the_retry_shows_the_case_as_it_is_now(ayse, category, make_user, roads):
    first = record(ayse, pothole(category), key="alo153-call-4712").json()
    staff = make_user(User.Role.UNIT_STAFF, "mert", units=[roads])
    answer = ayse.post(
        f"{CASES}/{first['tracking_number']}/transitions",
        json.dumps({"name": "assign", "assignee": staff.pk}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content

    retry = record(ayse, pothole(category), key="alo153-call-4712")

    assert retry.status_code == 201
    assert retry.json()["tracking_number"] == first["tracking_number"]
    assert retry.json()["status"] == "assigned"
    assert Case.objects.count() == 1


def test_field_order_and_spelled_out_defaults_are_the_same_request(ayse, category):
    body = pothole(category)
    first = record(ayse, body, key="k-1")
    reordered = dict(reversed(list(body.items())), priority=2, several_institutions=False)

    retry = record(ayse, reordered, key="k-1")

    assert retry.status_code == 201 and retry.json()["tracking_number"] == first.json()["tracking_number"]
    assert Case.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_with_422(ayse, category):
    record(ayse, pothole(category), key="alo153-call-4713")

    response = record(ayse, pothole(category, subject="Sokak lambası yanmıyor"), key="alo153-call-4713")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Bu Idempotency-Key başka bir istek için kullanıldı; "
        "yeni bir başvuru için yeni bir anahtar kullanın.",
        "code": "idempotency_key_reused",
    }
    assert Case.objects.count() == 1


def test_keys_are_each_callers_own(ayse, category, make_user):
    emre = client_for(token_for(make_user(User.Role.OPERATOR, "emre")))

    mine = record(ayse, pothole(category), key="shift-1/1").json()
    his = record(emre, pothole(category), key="shift-1/1").json()

    assert mine["tracking_number"] != his["tracking_number"]
    assert Case.objects.count() == 2


def test_without_a_key_each_request_is_a_new_case(ayse, category):
    record(ayse, pothole(category))
    record(ayse, pothole(category))

    assert Case.objects.count() == 2


def test_a_refused_request_leaves_its_key_free(ayse, category):
    refused = record(ayse, pothole(category, subject=" "), key="k-2")
    assert refused.status_code == 400

    accepted = record(ayse, pothole(category), key="k-2")

    assert accepted.status_code == 201 and "Idempotent-Replayed" not in accepted.headers
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "empty"), ("a" * 256, "too long"), ("iki kelime", "space"), ("çağrı-1", "not ASCII")],
)
def test_an_unusable_key_is_refused_naming_the_header(ayse, category, key, why):
    response = record(ayse, pothole(category), key=key)

    assert response.status_code == 400, why
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert response.json()["errors"]["Idempotency-Key"] == [
        "Idempotency-Key, boşluk içermeyen 1 ile 255 arası yazdırılabilir ASCII karakterinden oluşmalıdır."
    ]
    assert Case.objects.count() == 0


def test_the_database_holds_one_row_per_caller_and_key(ayse, category, operator):
    record(ayse, pothole(category), key="k-3")

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiIdempotencyKey.objects.create(
            user=operator, institution=operator.institution, key="k-3", fingerprint="0" * 64
        )


@pytest.mark.django_db(transaction=True)
def test_copies_sent_at_the_same_moment_make_one_case(operator, category):
    """Four copies at once, each on its own connection: on PostgreSQL the later ones wait at the unique key
    until the first commits, on SQLite at BEGIN IMMEDIATE; all four answer with the same case."""
    token = token_for(operator)
    body = pothole(category)
    copies = 4
    start = threading.Barrier(copies)
    answers: list = [None] * copies

    def send(slot: int) -> None:
        try:
            client = client_for(token)
            start.wait()
            answers[slot] = record(client, body, key="alo153-call-4714")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [201] * copies
    assert len({answer.json()["tracking_number"] for answer in answers}) == 1
    assert sorted(answer.headers.get("Idempotent-Replayed", "") for answer in answers) == [""] + ["true"] * 3
    assert Case.objects.count() == 1
    assert ApiIdempotencyKey.objects.get().case == Case.objects.get()
