"""The demo's KVKK applications (kentmasa.demo.kvkk_requests): Adana has one proven at the desk and open,
one unproven near its deadline, one answered at the desk; loading again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from kentmasa.demo import kvkk_requests as kvkk_demo
from kentmasa.demo import loader
from kentmasa.privacy import export, requests
from kentmasa.privacy.models import DataSubjectRequest


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with (
        pytest.MonkeyPatch.context() as patch,
        fast_hashing,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setenv(loader.PASSWORD_ENV, "parola-kvkk-1")
        call_command("load_demo", cases=0, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test reads the loaded demo."""


def test_the_flow_is_there(loaded):
    found = DataSubjectRequest.objects.filter(institution__slug="adana-bb").select_related("case")
    assert found.count() == 3
    open_proven = found.get(answered_at__isnull=True, identity_method="desk")
    assert open_proven.types == ["learn", "information", "correction"]
    subjects = {case["subject"] for case in export.build(open_proven, for_contact=True)["cases"]}
    assert {"62010 Sokak'ta çukur", "Sokak lambası yanmıyor"} <= subjects
    unproven = found.get(identity_method="")
    assert unproven.warn_at is None  # the day-25 warning went out
    with pytest.raises(requests.RequestError):
        export.build(unproven, for_contact=True)
    answered = found.get(answered_at__isnull=False)
    assert answered.delivery == "desk" and "Kişisel Verileri Koruma Kurulu" in answered.answer


def test_a_second_load_adds_nothing(loaded):
    assert kvkk_demo.set_up() == 0
    assert DataSubjectRequest.objects.filter(institution__slug="adana-bb").count() == 3
