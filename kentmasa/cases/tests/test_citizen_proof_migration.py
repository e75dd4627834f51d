"""Migration cases 0006 proves the identifiers of existing records by where their cases came from."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("cases", "0005_api_idempotency"), ("directory", "0002_apitoken")]
AFTER = [("cases", "0006_citizen_proof_and_phone_codes")]


@pytest.fixture
def at_latest_afterwards():
    """Whatever happens in the test, the database goes back to the latest migrations for the next ones."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_records_are_proven_only_by_staff_and_by_their_own_number(at_latest_afterwards):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Institution = apps.get_model("directory", "Institution")
    Citizen = apps.get_model("cases", "Citizen")
    Case = apps.get_model("cases", "Case")
    esenler = Institution.objects.create(slug="esenler-m", name="Esenler", kind="district")

    def citizen_with_case(name: str, channel: str, **contact):
        citizen = Citizen.objects.create(institution=esenler, name=name, name_key=name.lower(), **contact)
        Case.objects.create(
            institution=esenler,
            channel=channel,
            subject="Çukur",
            received_at=timezone.now(),
            verification_code="123456",
            citizen=citizen,
        )
        return citizen.pk

    desk = citizen_with_case(
        "Ayşe", "desk", tc_kimlik="10000000146", phone="+905321234567", email="a@example.com"
    )
    texted = citizen_with_case("Fatma", "sms", phone="+905321111111", email="f@example.com")
    typed = citizen_with_case(
        "Mallory", "web", tc_kimlik="10000000078", phone="+905559998877", email="m@example.com"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Citizen = executor.loader.project_state(AFTER).apps.get_model("cases", "Citizen")

    def proofs(pk):
        row = Citizen.objects.get(pk=pk)
        return row.tc_kimlik_verified, row.phone_verified, row.email_verified

    assert proofs(desk) == (True, True, True)
    assert proofs(texted) == (False, True, False)
    assert proofs(typed) == (False, False, False)
