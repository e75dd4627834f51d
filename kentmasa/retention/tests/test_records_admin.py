"""Destruction records in the admin: Zeynep, the superuser, reads them and can neither add, change nor
delete one (a record is what a run did, written once); Murat, Eskişehir police's administrator with the
view permission, reads only his directorate's, as on /imha-tutanaklari/. Each row links to its tutanak."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from kentmasa.directory.models import Institution, User
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

pytestmark = pytest.mark.django_db

ADMIN = "/admin/retention/destructionrecord/"
NIGHT = dt.datetime(2025, 5, 14, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )


@pytest.fixture
def adana(db):
    return Institution.objects.create(
        slug="adana-bb", name="Adana Büyükşehir Belediyesi", kind=Institution.Kind.METROPOLITAN
    )


def run(institution):
    return records.record(
        DestructionRecord.Category.FOOTAGE,
        institution,
        started_at=NIGHT,
        basis="KGYS 10 gün",
        items=[records.item("ESK-KGYS-001", NIGHT - dt.timedelta(days=11), NIGHT - dt.timedelta(days=10))],
    )


def test_zeynep_reads_a_record_and_cannot_add_change_or_delete_it(client, police):
    zeynep = User.objects.create_superuser("zeynep", "zeynep@example.org", "kentmasa-test-1")
    record = run(police)
    client.force_login(zeynep)

    listing = client.get(ADMIN)
    assert listing.status_code == 200
    assert f"/imha-tutanaklari/{record.pk}/" in listing.content.decode()
    page = client.get(f"{ADMIN}{record.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(f"{ADMIN}add/").status_code == 403
    client.post(f"{ADMIN}{record.pk}/change/", {"basis": "changed", "item_count": "0"})
    assert client.get(f"{ADMIN}{record.pk}/delete/").status_code == 403
    client.post(ADMIN, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    record.refresh_from_db()
    assert record.basis == "KGYS 10 gün" and record.item_count == 1


def test_murat_reads_only_his_directorates_records(client, police, adana):
    murat = User.objects.create_user(
        "murat", password="kentmasa-test-1", role=User.Role.ADMINISTRATOR, institution=police, is_staff=True
    )
    murat.user_permissions.add(Permission.objects.get(codename="view_destructionrecord"))
    mine, theirs = run(police), run(adana)
    client.force_login(murat)

    html = client.get(ADMIN).content.decode()

    assert f"{ADMIN}{mine.pk}/change/" in html
    assert f"{ADMIN}{theirs.pk}/change/" not in html
    assert client.get(f"{ADMIN}{theirs.pk}/change/").status_code == 302  # the admin's "no such row"
