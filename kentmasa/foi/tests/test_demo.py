"""The demo's information service (kentmasa.demo.foi): Adana has a 4982 request in every state, each where
the foi services put it, and loading again adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from kentmasa.cases.models import Status
from kentmasa.demo import foi as foi_demo
from kentmasa.demo import loader
from kentmasa.foi.models import FoiRequest, FoiSettings, Objection, Stage, YearlyTally
from kentmasa.lib import tckimlik


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with (
        pytest.MonkeyPatch.context() as patch,
        fast_hashing,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setenv(loader.PASSWORD_ENV, "parola-foi-1")
        call_command("load_demo", cases=0, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test reads the loaded demo."""


def test_every_state_is_there(loaded):
    requests = FoiRequest.objects.filter(institution__slug="adana-bb").select_related("case")
    stages = {r.stage for r in requests}
    assert {
        Stage.CHECKING,
        Stage.INCOMPLETE,
        Stage.PROCESSING,
        Stage.AWAITING_FEE,
        Stage.DECIDED,
        Stage.FORWARDED,
        Stage.WITHDRAWN,
    } <= stages
    assert {r.decision for r in requests} >= {"granted", "partly", "refused"}
    assert requests.filter(extended_at__isnull=False, stage=Stage.PROCESSING).exists()
    assert requests.filter(silence_recorded_at__isnull=False).exists()
    assert Objection.objects.filter(request__in=requests, outcome="accepted").exists()
    assert requests.get(stage=Stage.AWAITING_FEE).case.status == Status.WAITING_CITIZEN
    assert all(r.letter for r in requests.filter(stage=Stage.DECIDED))
    tally = YearlyTally.objects.filter(institution__slug="adana-bb")
    assert sum(t.received for t in tally) == requests.count() == 12


def test_a_second_load_adds_nothing(loaded):
    assert FoiSettings.objects.filter(institution__slug="adana-bb").count() == 1
    before = FoiRequest.objects.count()
    assert foi_demo.set_up() == 0
    assert FoiRequest.objects.count() == before


def test_the_made_up_tc_numbers_pass_the_checksum():
    assert all(tckimlik.is_valid(foi_demo.tc_kimlik(n)) for n in range(1, 50))
