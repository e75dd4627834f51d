"""The call-centre software gets an API token for Ayşe's account; a wrong, revoked or orphaned token
gets nothing."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kentmasa.directory.models import ApiToken

CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def issue(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("api_token", username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def bearer(raw: str) -> Client:
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_the_command_prints_a_token_once_and_keeps_only_its_hash(operator):
    raw = issue("operator", "--name", "Alo 153 santrali")

    assert raw.startswith("km_") and len(raw) > 40
    token = ApiToken.objects.get()
    assert token.user == operator
    assert token.name == "Alo 153 santrali"
    assert token.key_prefix == raw[:8]
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())


def test_two_tokens_for_the_same_person_differ(operator):
    assert issue("operator") != issue("operator")
    assert ApiToken.objects.filter(user=operator).count() == 2


def test_unknown_user_is_refused_in_turkish(db):
    with pytest.raises(CommandError) as refused:
        issue("nobody")
    assert str(refused.value) == "“nobody” adında bir kullanıcı yok."
    assert refused.value.returncode == 1
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(operator):
    operator.is_active = False
    operator.save()
    with pytest.raises(CommandError, match="etkin değil"):
        issue("operator")
    assert not ApiToken.objects.exists()


def test_a_token_opens_the_api_and_records_when_it_was_used(operator):
    raw = issue("operator")

    response = bearer(raw).get(CASES)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header", [None, "Bearer km_not-a-real-token", "Bearer ", "Basic b3BlcmF0b3I6eA==", "Token km_abc"]
)
def test_without_a_valid_token_the_answer_is_401_json(operator, header):
    issue("operator")
    client = Client(headers={"authorization": header}) if header else Client()

    response = client.get(CASES)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"]


def test_a_revoked_token_is_refused(operator):
    raw = issue("operator")
    ApiToken.objects.update(revoked=True)

    assert bearer(raw).get(CASES).status_code == 401


def test_the_token_of_a_user_who_left_is_refused(operator):
    raw = issue("operator")
    operator.is_active = False
    operator.save()

    assert bearer(raw).get(CASES).status_code == 401


def test_a_refused_post_writes_nothing(operator, category):
    from kentmasa.cases.models import Case

    response = Client(headers={"authorization": "Bearer km_wrong"}).post(
        CASES, {"channel": "phone", "subject": "Çukur"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert not Case.objects.exists()


def test_signed_in_staff_use_their_session(operator):
    client = Client()
    client.force_login(operator)

    assert client.get(CASES).status_code == 200


def test_a_session_post_needs_the_csrf_token(operator, category):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post(CASES, {"channel": "phone", "subject": "Çukur"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf"


def test_a_session_post_with_the_csrf_token_is_accepted(operator, category):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    secret = "k" * 32  # what the console's page would have set in the csrftoken cookie
    client.cookies["csrftoken"] = secret

    response = client.post(
        CASES,
        {"channel": "phone", "subject": "Çukur"},
        content_type="application/json",
        headers={"x-csrftoken": secret},
    )

    assert response.status_code == 201


def test_the_administrator_sees_tokens_by_prefix_and_revokes_them(operator, admin_client):
    raw = issue("operator", "--name", "Santral")
    token = ApiToken.objects.get()

    page = admin_client.get("/admin/directory/apitoken/")
    assert page.status_code == 200
    assert token.key_prefix in page.content.decode() and raw not in page.content.decode()

    admin_client.post("/admin/directory/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    token.refresh_from_db()
    assert token.revoked
    assert bearer(raw).get(CASES).status_code == 401
